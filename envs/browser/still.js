// Run in every document before its own scripts, so that a screenshot depends on the page's state,
// not on when it was taken: no CSS transitions or animations and no text caret; a flag that the page
// is being left (settled.js waits for the next one); and a count of the short timers pending (those
// of at most SHORT_TIMER_MS, a page's way of finishing what an event started), which settled.js
// waits for too.
(() => {
  const SHORT_TIMER_MS = 100;
  addEventListener("DOMContentLoaded", () => {
    const style = document.createElement("style");
    style.textContent = `*, *::before, *::after { transition-duration: 0s !important;
      transition-delay: 0s !important; animation-duration: 0s !important; animation-delay: 0s !important;
      caret-color: transparent !important; }`;
    document.head.appendChild(style);
  });
  addEventListener("beforeunload", () => { window.__mmgymLeaving = true; });

  const pending = (window.__mmgymTimers = new Set());
  const setTimeout_ = window.setTimeout, clearTimeout_ = window.clearTimeout;
  window.setTimeout = function (callback, delay, ...args) {
    if (typeof callback !== "function" || !((Number(delay) || 0) <= SHORT_TIMER_MS)) {
      return setTimeout_.apply(this, arguments);
    }
    const id = setTimeout_.call(this, (...given) => { pending.delete(id); callback.apply(this, given); }, delay, ...args);
    pending.add(id);
    return id;
  };
  window.clearTimeout = function (id) {
    pending.delete(id);
    return clearTimeout_.apply(this, arguments);
  };
})();
