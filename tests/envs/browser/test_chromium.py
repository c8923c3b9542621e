"""Headless Chromium: it starts, a page reaches only its own files and loopback, and close leaves
no process behind."""

from __future__ import annotations

import pytest

from mmgym.envs.browser.chromium import BrowserUnavailable, Sandbox, launch

sync_api = pytest.importorskip("playwright.sync_api")


TRICKY_URLS = [
    "file:///srv/task/index.html", "file:///srv/task/a%20b.png", "file:///srv/task/../secret.txt",
    "file:///srv/task/%2e%2e/secret.txt", "file:///srv/taskother/x.html", "file:///srv/task", "file:///etc/passwd",
    "http://127.0.0.1:8000/a", "http://127.0.0.1@evil.com/", "http://127.0.0.1.evil.com/", "http://localhost",
    "http://localhost.evil.com/x", "https://[::1]:9/a", "ws://localhost:1/socket", "https://example.com/",
    "data:text/plain,hi", "blob:null/1", "about:blank", "ftp://127.0.0.1/", "chrome://settings",
    "javascript:alert(1)", "HTTP://EXAMPLE.COM/",
]  # fmt: skip


def test_only_suspect_urls_reach_python_and_the_rest_are_allowed():
    sandbox = Sandbox("/srv/task")
    for url in TRICKY_URLS:
        assert sandbox.suspects().match(url) or sandbox.allows(url), url
    assert not sandbox.suspects().match("file:///srv/task/img/logo.png")  # the common case: no round trip
    spaced, url = Sandbox("/srv/my task"), "file:///srv/my%20task/a.html"
    assert not spaced.suspects().match(url) and spaced.allows(url)


def test_sandbox_rules():
    sandbox = Sandbox("/srv/task")
    assert sandbox.allows("file:///srv/task/index.html") and sandbox.allows("file:///srv/task/img/a.png")
    assert not sandbox.allows("file:///srv/taskother/x.html") and not sandbox.allows("file:///etc/passwd")
    assert not sandbox.allows("file:///srv/task/../secret.txt")
    assert sandbox.allows("http://127.0.0.1:8000/a") and sandbox.allows("http://localhost/a")
    assert sandbox.allows("http://[::1]:9/a") and sandbox.allows("data:text/plain,hi")
    assert not sandbox.allows("https://example.com/") and not sandbox.allows("http://10.0.0.1/")
    assert not sandbox.allows("ftp://127.0.0.1/") and not Sandbox().allows("file:///srv/task/index.html")


def test_a_page_reaches_loopback_but_nothing_outside(tmp_path, loopback_server, chromium_pids):
    page_file = tmp_path / "index.html"
    page_file.write_text(f"""<img src="https://example.com/pixel.png">
<script>
  fetch("http://203.0.113.7/beacon").catch(() => document.title += "x");
  fetch("{loopback_server}/data.txt", {{mode: "no-cors"}}).then(() => document.title += "L");
</script>""")
    before = chromium_pids()
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context()
        sandbox = Sandbox(tmp_path)
        sandbox.attach(context)
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("document.title.length >= 2")
        assert sorted(page.title()) == ["L", "x"]  # the outside fetch failed, the loopback one answered
        browser.close()
    assert sorted(sandbox.blocked) == ["http://203.0.113.7/beacon", "https://example.com/pixel.png"]
    assert chromium_pids() <= before  # no Chromium left behind


def test_a_missing_browser_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("MMGYM_CHROMIUM", "/nowhere/chromium")
    with sync_api.sync_playwright() as playwright, pytest.raises(BrowserUnavailable, match="MMGYM_CHROMIUM"):
        launch(playwright)
