// Shared helpers of mmgym's own web tasks: the episode's seeded random numbers and the oracle's clicks and scrolls.

// A small seeded generator (mulberry32) over the page's ?seed=N, so a seed replays exactly.
function mmgymRandom() {
  let state = Number(new URLSearchParams(location.search).get("seed") || 0) >>> 0;
  const next = () => {
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (low, high) => low + Math.floor(next() * (high - low + 1));  // inclusive
  return {
    next,
    int,
    pick: (options) => options[Math.floor(next() * options.length)],
    shuffle: (list) => {  // in place (Fisher-Yates); returns the list
      for (let i = list.length - 1; i > 0; i--) { const j = int(0, i); [list[i], list[j]] = [list[j], list[i]]; }
      return list;
    },
  };
}

// The oracle's click on an element: the centre of its box, in integer viewport pixels.
function mmgymClick(element) {
  const box = element.getBoundingClientRect();
  return {action: "click", coordinate: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)]};
}

// The oracle's way to an element in the band [top, bottom] of the viewport (clear of fixed bars): a click when it
// is in view, else a scroll toward it; a click at a visible centre when a scroll would not bring it all in.
function mmgymReach(element, top = 0, bottom = innerHeight) {
  const box = element.getBoundingClientRect(), step = 0.8 * innerHeight, mid = (box.top + box.bottom) / 2;
  if (box.top >= top && box.bottom <= bottom) return mmgymClick(element);
  const down = mid > (top + bottom) / 2;
  const room = down ? document.documentElement.scrollHeight - innerHeight - scrollY : scrollY;
  const after = box.top + (down ? -1 : 1) * Math.min(step, room);
  const better = room > 0 && after >= top && after + box.height <= bottom;
  if (mid >= top && mid <= bottom && !better) return mmgymClick(element);
  return {action: "scroll", coordinate: [Math.round(innerWidth / 2), Math.round((top + bottom) / 2)], direction: down ? "down" : "up"};
}

// As mmgymReach, but when something covers the element (a pop-up, a menu), the oracle first closes it with escape.
function mmgymReachOrEscape(element, top = 0, bottom = innerHeight) {
  const act = mmgymReach(element, top, bottom);
  if (act.action === "click" && !element.contains(document.elementFromPoint(...act.coordinate))) {
    return {action: "key", key: "escape"};
  }
  return act;
}
