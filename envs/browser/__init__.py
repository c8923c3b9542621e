"""Browser environments: real web pages in headless Chromium, driven through Playwright."""
