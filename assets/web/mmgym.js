// Shared helpers of mmgym's own web tasks: the episode's seeded random numbers and oracle clicks.

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
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),  // inclusive
    pick: (options) => options[Math.floor(next() * options.length)],
  };
}

// The oracle's click on an element: the centre of its box, in integer viewport pixels.
function mmgymClick(element) {
  const box = element.getBoundingClientRect();
  return {action: "click", coordinate: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)]};
}
