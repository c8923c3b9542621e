"use strict";
// The mmgym report page, built from the JSON block #report-data (see mmgym/report.py). Replies and
// every other text from a run are untrusted: they go into the page as text nodes, never as HTML.

const DATA = JSON.parse(document.getElementById("report-data").textContent);
const SVG_NS = "http://www.w3.org/2000/svg";
const ACTION_RED = "#ff0000";
const EXPERT_GREEN = "#00c000";
const SHOT_SIZE = 400; // small screenshots are scaled up by a whole factor to about this many pixels
const FRAME_MS = 450;
const CHART = { width: 360, height: 190, left: 48, right: 12, top: 10, bottom: 22 };
const SCROLL_VECTORS = { up: [0, -1], down: [0, 1], left: [-1, 0], right: [1, 0] };

let stopAnimation = () => {};

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  return node;
}

function fmt(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  return size >= 1000 ? value.toFixed(1) : size < 1e-3 ? value.toExponential(2) : value.toFixed(3);
}

function swatch(colour) {
  const mark = h("span", { class: "swatch" });
  mark.style.background = colour;
  return mark;
}

function reveal(id, title) {
  document.getElementById(id).hidden = false;
  document.getElementById("nav").append(h("a", { href: `#${id}` }, title));
}

// Notes and runs

function showNotes() {
  if (!DATA.problems.length) return;
  document.querySelector("#notes ul").append(...DATA.problems.map((problem) => h("li", {}, problem)));
  document.getElementById("notes").hidden = false;
}

function showRuns() {
  document.title = `mmgym report: ${DATA.runs.map((run) => run.label).join(", ")}`;
  reveal("runs", "Runs");
  document.querySelector("#runs ul").append(...DATA.runs.map((run) => h("li", { class: "run" },
    swatch(run.colour), h("strong", {}, run.label), " ", h("span", { class: "muted" }, `${run.kind} · ${run.path}`),
    h("details", {}, h("summary", {}, "config"), h("pre", {}, JSON.stringify(run.config, null, 2))))));
}

// Curves

function showCurves() {
  if (!DATA.metrics.length) return;
  reveal("curves", "Curves");
  document.querySelector("#curves .charts").append(...DATA.metrics.map(chart));
}

function chart(name) {
  const lines = DATA.runs.map((run, index) => ({ run, index, points: points(run, name) }))
    .filter((line) => line.points.length);
  const all = lines.flatMap((line) => line.points);
  const x = scale(all.map((point) => point[0]), CHART.left, CHART.width - CHART.right, false);
  const y = scale(all.map((point) => point[1]), CHART.height - CHART.bottom, CHART.top, true);
  const plot = svg("svg", { viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: "img", "aria-label": name });
  drawAxes(plot, x, y);
  for (const line of lines) plot.append(...series(line, x, y));
  const readout = h("span", { class: "readout" });
  followPointer(plot, lines, x, readout);
  const legend = h("ul", { class: "legend" }, ...lines.map((line) => h("li", {}, swatch(line.run.colour), line.run.label)));
  return h("figure", { class: "chart", "data-metric": name }, h("figcaption", {}, name, readout), plot, legend);
}

function points(run, name) {
  const values = run.series[name] || [];
  return values.flatMap((value, index) => (value === null ? [] : [[run.steps[index], value]]));
}

function scale(values, from, to, padded) {
  let low = Math.min(...values);
  let high = Math.max(...values);
  const spare = low === high ? Math.abs(low) * 0.1 || 1 : padded ? (high - low) * 0.05 : 0;
  low -= spare;
  high += spare;
  const map = (value) => from + ((value - low) / (high - low)) * (to - from);
  map.invert = (position) => low + ((position - from) / (to - from)) * (high - low);
  map.ticks = ticks(low, high);
  return map;
}

function ticks(low, high) {
  const rough = (high - low) / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= rough);
  const first = Math.ceil(low / step);
  const values = [];
  for (let index = first; index * step <= high; index++) values.push(index * step);
  // As many decimals as the step needs, so that near-equal ticks (7.30012, 7.30014) still differ;
  // exponents only for values that are small themselves.
  const digits = Math.min(12, Math.max(0, -Math.floor(Math.log10(step))));
  const tiny = Math.max(Math.abs(low), Math.abs(high)) < 1e-3;
  return values.map((value) => [value, tiny ? value.toExponential(1) : value.toFixed(digits)]);
}

function drawAxes(plot, x, y) {
  const [left, right] = [CHART.left, CHART.width - CHART.right];
  const bottom = CHART.height - CHART.bottom;
  for (const [value, text] of y.ticks) {
    plot.append(svg("line", { class: "grid", x1: left, x2: right, y1: y(value), y2: y(value) }));
    plot.append(svg("text", { class: "tick", x: left - 5, y: y(value) + 3.5, "text-anchor": "end" }, text));
  }
  for (const [value, text] of x.ticks) {
    plot.append(svg("text", { class: "tick", x: x(value), y: bottom + 14, "text-anchor": "middle" }, text));
  }
  plot.append(svg("line", { class: "axis", x1: left, x2: left, y1: CHART.top, y2: bottom }));
  plot.append(svg("line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom }));
}

function series(line, x, y) {
  const d = line.points.map(([step, value], index) => `${index ? "L" : "M"}${x(step).toFixed(1)},${y(value).toFixed(1)}`);
  const colour = line.run.colour;
  const path = svg("path", { class: "series", d: d.join(""), stroke: colour, "data-run": line.index,
                             "data-points": line.points.length });
  path.append(svg("title", {}, line.run.label));
  if (line.points.length > 1) return [path];
  const [step, value] = line.points[0];
  return [path, svg("circle", { cx: x(step), cy: y(value), r: 2.5, fill: colour })];
}

function followPointer(plot, lines, x, readout) {
  const cursor = svg("line", { class: "cursor", y1: CHART.top, y2: CHART.height - CHART.bottom, visibility: "hidden" });
  plot.append(cursor);
  plot.addEventListener("pointermove", (event) => {
    const box = plot.getBoundingClientRect();
    const step = x.invert(((event.clientX - box.left) / box.width) * CHART.width);
    const nearest = lines.map((line) => line.points.reduce((best, point) =>
      (Math.abs(point[0] - step) < Math.abs(best[0] - step) ? point : best)));
    const shown = nearest[0][0];
    cursor.setAttribute("x1", x(shown));
    cursor.setAttribute("x2", x(shown));
    cursor.setAttribute("visibility", "visible");
    readout.textContent = `step ${fmt(shown)}: ` +
      lines.map((line, index) => `${line.run.label} ${fmt(nearest[index][1])}`).join(" · ");
  });
  plot.addEventListener("pointerleave", () => {
    cursor.setAttribute("visibility", "hidden");
    readout.textContent = "";
  });
}

// Reward components

function showTables() {
  if (!DATA.tables.length) return;
  reveal("components", "Reward components");
  const section = document.getElementById("components");
  for (const table of DATA.tables) {
    const head = h("tr", {}, ...table.columns.map((column) => h("th", {}, column)));
    const rows = table.rows.map((row) => h("tr", {}, ...row.map(tableCell)));
    section.append(h("h3", {}, table.title),
      h("div", { class: "table-box" }, h("table", { class: "components" }, h("thead", {}, head), h("tbody", {}, ...rows))),
      table.note ? h("p", { class: "note" }, table.note) : null);
  }
}

function tableCell(value) {
  if (typeof value !== "number") return h("td", {}, fmt(value));
  return h("td", { class: "number", "data-value": value }, fmt(value));
}

// Trajectory viewer

function showViewer() {
  if (!DATA.episodes.length) return;
  reveal("viewer", "Episodes");
  const columns = ["run", "step", "env", "seed", "", "return", "turns"];
  document.querySelector("#episode-list thead").append(h("tr", {}, ...columns.map((column) => h("th", {}, column))));
  const body = document.querySelector("#episode-list tbody");
  DATA.episodes.forEach((episode, index) => {
    const run = DATA.runs[episode.run];
    const row = h("tr", { class: "episode", "data-index": index, tabindex: -1, "aria-selected": "false" },
      h("td", {}, swatch(run.colour), run.label), h("td", { class: "number" }, fmt(episode.step)),
      h("td", {}, (episode.env || "?").replace(/^mmgym\//, "")), h("td", { class: "number" }, fmt(episode.seed)),
      h("td", {}, outcome(episode.success)), h("td", { class: "number" }, fmt(episode.return)),
      h("td", { class: "number" }, episode.turns.length));
    row.addEventListener("click", () => pick(index, true));
    body.append(row);
  });
  body.addEventListener("keydown", (event) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    pick(Number(document.activeElement.dataset.index) + step, true);
  });
  pick(0, false);
}

function outcome(success) {
  if (success === null) return h("span", { class: "muted" }, "–");
  return success ? h("span", { class: "good", title: "success" }, "✓") : h("span", { class: "bad", title: "failure" }, "✗");
}

function pick(index, focus) {
  const rows = document.querySelectorAll("#episode-list tr.episode");
  if (!(index >= 0 && index < rows.length)) return;
  rows.forEach((row, at) => {
    row.setAttribute("aria-selected", String(at === index));
    row.tabIndex = at === index ? 0 : -1;
  });
  if (focus) rows[index].focus();
  showEpisode(DATA.episodes[index], index);
}

function showEpisode(episode, index) {
  stopAnimation();
  const run = DATA.runs[episode.run];
  const facts = [run.label, episode.env, `seed ${fmt(episode.seed)}`,
                 episode.step === null ? null : `step ${episode.step}`, episode.agent].filter((fact) => fact !== null);
  const result = episode.success === null ? "–" : episode.success ? "success" : "failure";
  const box = document.getElementById("episode");
  box.dataset.index = index;
  const turns = `${episode.turns.length} turn${episode.turns.length === 1 ? "" : "s"}`;
  const parts = [h("h3", {}, facts.join(" · ")),
    h("p", { class: "summary" }, outcome(episode.success), ` ${result} · return ${fmt(episode.return)} · ` +
      `${turns} · ${episode.name}`),
    episode.turns.length ? h("p", { class: "instruction" }, episode.turns[0].instruction || "") : null,
    episode.embodied ? animation(episode) : null,
    ...episode.turns.map((turn, at) => turnView(turn, at, episode.turns[at - 1])),
    episode.final ? h("article", { class: "turn final" }, h("h4", {}, "final screen"), shot(episode.final, null, null)) : null];
  box.replaceChildren(...parts.filter((part) => part !== null));
}

function turnView(turn, index, previous) {
  const fields = h("dl", { class: "fields" });
  const add = (name, value, kind) => {
    if (value === null || value === undefined || value === "") return;
    fields.append(h("dt", {}, name), h("dd", { class: kind }, h("pre", {}, value)));
  };
  if (previous && turn.instruction !== previous.instruction) add("instruction", turn.instruction, "instruction");
  add("think", turn.think, "think");
  add("answer", turn.answer, "answer");
  add("raw reply", turn.reply, "reply");
  add("action", turn.action ? turn.action.json : "none", "action");
  add("expert", turn.expert && turn.expert.json, "expert");
  add("parse error", turn.parse_error, "parse-error");
  add("error", turn.error, "error");
  add("reward", fmt(turn.reward), "reward");
  add("components", Object.entries(turn.components).map(([name, value]) => `${name} ${fmt(value)}`).join(" · "),
      "components");
  return h("article", { class: "turn", "data-turn": index }, h("h4", {}, `turn ${index + 1}`),
    shot(turn.screenshot, turn.action, turn.expert), fields);
}

function placeholder(image) {
  return h("div", { class: "placeholder" }, `screenshot ${image.name} is missing`);
}

function shot(image, action, expert) {
  if (!image.src) return placeholder(image);
  const img = h("img", { src: image.src, alt: `screenshot ${image.name}`, width: image.width, height: image.height });
  const figure = h("figure", { class: "shot" }, img, overlay(image, action, expert));
  figure.style.width = `${image.width * zoom(image)}px`;
  img.addEventListener("error", () => figure.replaceWith(placeholder(image))); // a PNG cut short
  return figure;
}

function zoom(image) {
  return Math.max(1, Math.floor(SHOT_SIZE / Math.max(image.width, image.height)));
}

// The overlay's units are the screenshot's pixels; a point is drawn at its pixel's centre.
function overlay(image, action, expert) {
  const [width, height] = [image.width, image.height];
  const layer = svg("svg", { class: "overlay", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  const radius = Math.max(width, height) * 0.045;
  if (expert && expert.point) layer.append(target(expert.point, radius * 1.35, EXPERT_GREEN, "expert"));
  if (!action) return layer;
  const vector = SCROLL_VECTORS[action.direction];
  if (action.type === "scroll" && vector) {
    const from = action.point ? action.point.map((value) => value + 0.5) : [width / 2, height / 2];
    layer.append(arrow(from, vector, Math.min(width, height) * 0.3, radius));
  } else if (action.point) {
    layer.append(target(action.point, radius, ACTION_RED, action.type === "long_press" ? "long-press" : "click"));
  } else {
    const size = Math.max(width, height) * 0.075;
    const text = action.label.length > 40 ? `${action.label.slice(0, 39)}…` : action.label;
    layer.append(svg("text", { class: "mark label", x: width * 0.03, y: size * 1.2, "font-size": size, fill: ACTION_RED }, text));
  }
  return layer;
}

function target([px, py], radius, colour, kind) {
  const [x, y] = [px + 0.5, py + 0.5];
  const arm = radius * 1.3;
  const group = svg("g", { class: `mark ${kind}`, stroke: colour, fill: "none" });
  group.append(svg("circle", { cx: x, cy: y, r: radius, "stroke-dasharray": kind === "expert" ? "4 3" : "none" }),
    svg("line", { x1: x - arm, x2: x + arm, y1: y, y2: y }), svg("line", { x1: x, x2: x, y1: y - arm, y2: y + arm }));
  if (kind === "long-press") group.append(svg("circle", { cx: x, cy: y, r: radius * 0.55 }));
  return group;
}

function arrow([x, y], [dx, dy], length, radius) {
  const [tipX, tipY] = [x + dx * length, y + dy * length];
  const head = radius * 0.8;
  const group = svg("g", { class: "mark scroll", stroke: ACTION_RED, fill: "none" });
  group.append(svg("circle", { cx: x, cy: y, r: radius * 0.35, fill: ACTION_RED }),
    svg("line", { x1: x, y1: y, x2: tipX, y2: tipY }),
    svg("polyline", { points: `${tipX - head * (dx + dy)},${tipY - head * (dy - dx)} ${tipX},${tipY} ` +
                              `${tipX - head * (dx - dy)},${tipY - head * (dy + dx)}` }));
  return group;
}

// Embodied episodes: the screens one after another, with play / pause and a slider.
function animation(episode) {
  const frames = [...episode.turns.map((turn, index) => ({ image: turn.screenshot,
                    caption: `turn ${index + 1}: ${turn.action ? turn.action.label : "no action"}` })),
                  ...(episode.final ? [{ image: episode.final, caption: "final screen" }] : [])]
    .filter((frame) => frame.image.src);
  if (!frames.length) return null;
  const img = h("img", { id: "frame", alt: "animation frame" });
  const figure = h("figure", { class: "shot" }, img);
  figure.style.width = `${frames[0].image.width * zoom(frames[0].image)}px`;
  const play = h("button", { id: "play", type: "button", "aria-pressed": "false" }, "▶ play");
  const slider = h("input", { id: "frame-slider", type: "range", min: 0, max: frames.length - 1, value: 0,
                              "aria-label": "frame" });
  const label = h("span", { id: "frame-label", class: "muted" });
  const section = h("section", { id: "animation" }, figure, h("div", { class: "controls" }, play, slider, label));
  const show = (index) => {
    const { image, caption } = frames[index];
    Object.assign(img, { src: image.src, width: image.width, height: image.height });
    section.dataset.frame = index;
    slider.value = index;
    label.textContent = `frame ${index + 1} / ${frames.length} · ${caption}`;
  };
  let timer = null;
  const stop = () => {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ play";
    play.setAttribute("aria-pressed", "false");
  };
  play.addEventListener("click", () => {
    if (timer !== null) return stop();
    timer = setInterval(() => show((Number(section.dataset.frame) + 1) % frames.length), FRAME_MS);
    play.textContent = "❚❚ pause";
    play.setAttribute("aria-pressed", "true");
  });
  slider.addEventListener("input", () => show(Number(slider.value)));
  stopAnimation = stop;
  show(0);
  return section;
}

showNotes();
showRuns();
showCurves();
showTables();
showViewer();
if (DATA.view === "viewer" && DATA.episodes.length) {
  document.getElementById("viewer").scrollIntoView();
  document.querySelector("#episode-list tr.episode").focus({ preventScroll: true });
}
