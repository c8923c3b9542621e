// Whether the page is ready to be looked at: "loading" until it has loaded and is not being left
// for another page (still.js sets __mmgymLeaving on beforeunload), "timers" while short timers are
// pending (still.js counts them), else "ready" once every image it shows is decoded, <img> and CSS
// images alike, so a screenshot never catches one half-loaded. Images seen before are not awaited
// again, nor are other sites' (the sandbox blocks them, and a second try would count twice); a new
// one costs a decode and two frames.
async () => {
  if (document.readyState !== "complete" || window.__mmgymLeaving) return "loading";
  if (window.__mmgymTimers && window.__mmgymTimers.size > 0) return "timers";
  const seen = window.__mmgymImages || (window.__mmgymImages = new Set());
  const fresh = new Set();
  const note = (url) => {
    if (url && !seen.has(url) && new URL(url, location.href).origin === location.origin) fresh.add(url);
  };
  for (const image of document.images) if (!image.complete) note(image.currentSrc || image.src);
  for (const element of document.querySelectorAll("*")) {
    const style = getComputedStyle(element);
    for (const value of [style.content, style.backgroundImage]) {
      if (value.includes("url(")) for (const match of value.matchAll(/url\("?([^")]+)"?\)/g)) note(match[1]);
    }
  }
  if (fresh.size === 0) return "ready";
  await Promise.all([...fresh].map((url) => {
    seen.add(url);
    const image = new Image();
    image.src = url;
    return image.decode().catch(() => {});
  }));
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return "ready";
}
