// Whether the page is ready to be looked at: loaded, not being left for another page (the init
// script sets __mmgymLeaving on beforeunload), and every image it shows decoded, <img> and CSS
// images alike, so a screenshot never catches one half-loaded. Images seen before are not awaited
// again, nor are other sites' (the sandbox blocks them, and a second try would count twice); a new
// one costs a decode and two frames.
async () => {
  if (document.readyState !== "complete" || window.__mmgymLeaving) return false;
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
  if (fresh.size === 0) return true;
  await Promise.all([...fresh].map((url) => {
    seen.add(url);
    const image = new Image();
    image.src = url;
    return image.decode().catch(() => {});
  }));
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  return true;
}
