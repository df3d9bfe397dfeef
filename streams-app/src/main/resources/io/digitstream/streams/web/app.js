// The accuracy page: polls /api/summary once a second and redraws. No libraries, no build step.
"use strict";

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat("en-US");
const pct = (x) => (100 * x).toFixed(2) + " %";
// Milliseconds in the unit a person reads best: replayed data can be minutes old.
const ms = (x) =>
  x == null ? "–" : x < 1000 ? x.toFixed(1) + " ms" : x < 120000 ? (x / 1000).toFixed(1) + " s" : (x / 60000).toFixed(1) + " min";
const svgNs = "http://www.w3.org/2000/svg";

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text != null) node.textContent = text;
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(svgNs, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

// A polyline of values scaled into the box; x is the index.
function polyline(values, width, height, lo, hi) {
  const span = hi - lo || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - ((v - lo) / span) * height).toFixed(1)}`)
    .join(" ");
}

function drawThroughput(history) {
  const chart = $("throughput-chart");
  chart.replaceChildren();
  const values = history.map((s) => s.imagesPerSecond);
  if (values.length < 2) return;
  const hi = Math.max(1, ...values);
  chart.appendChild(svg("polyline", { points: polyline(values, 240, 38, 0, hi) }));
}

// Cell colour: the diagonal in green, confusions in red, stronger with the share of the row.
function cellColour(count, rowTotal, diagonal) {
  if (count === 0 || rowTotal === 0) return "#f3f4f6";
  const share = count / rowTotal;
  if (diagonal) return `rgba(26,127,75,${(0.15 + 0.85 * share).toFixed(3)})`;
  return `rgba(192,57,43,${Math.min(1, 0.12 + 4 * share).toFixed(3)})`;
}

function matrixTable(version, window) {
  const m = window.matrix;
  const table = el("table", {
    class: "matrix",
    "data-version": version,
    "data-count": String(m.count),
  });
  table.appendChild(el("caption", {}, "cumulative confusion matrix (rows: true, columns: predicted)"));
  const head = el("tr");
  head.appendChild(el("th", {}, "true\\pred"));
  for (let c = 0; c < 10; c++) head.appendChild(el("th", { scope: "col" }, String(c)));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  m.matrix.forEach((row, r) => {
    const tr = el("tr");
    tr.appendChild(el("th", { scope: "row" }, String(r)));
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, c) => {
      const td = el("td", { "data-row": String(r), "data-col": String(c) }, String(count));
      td.style.background = cellColour(count, total, r === c);
      if (r === c && total > 0 && count / total > 0.6) td.style.color = "#fff";
      td.title = `true ${r}, predicted ${c}: ${fmt.format(count)} of ${fmt.format(total)}`;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  return table;
}

function rollingChart(history) {
  const width = 500;
  const height = 120;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height + 24}` });
  if (history.length === 0) return chart;
  const values = history.map((p) => p.accuracy);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = Math.max(0.002, (hi - lo) * 0.15);
  lo = Math.max(0, lo - pad);
  hi = Math.min(1, hi + pad);
  for (const y of [lo, (lo + hi) / 2, hi]) {
    const py = 10 + height - ((y - lo) / (hi - lo || 1)) * height;
    chart.appendChild(svg("line", { x1: 40, x2: width, y1: py, y2: py }));
    const label = svg("text", { x: 2, y: py + 3 });
    label.textContent = (100 * y).toFixed(2) + "%";
    chart.appendChild(label);
  }
  const line = svg("polyline", { points: "" });
  const step = values.length > 1 ? (width - 44) / (values.length - 1) : 0;
  line.setAttribute(
    "points",
    values
      .map((v, i) => `${(44 + i * step).toFixed(1)},${(10 + height - ((v - lo) / (hi - lo || 1)) * height).toFixed(1)}`)
      .join(" "),
  );
  chart.appendChild(line);
  // Image time of the first and last window ends, so the reader knows what span is shown.
  const clock = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const first = svg("text", { x: 44, y: height + 20 });
  first.textContent = clock(history[0].windowEnd);
  const last = svg("text", { x: width, y: height + 20, "text-anchor": "end" });
  last.textContent = clock(history[history.length - 1].windowEnd);
  chart.append(first, last);
  return chart;
}

function figure(label, window) {
  const box = el("div");
  box.appendChild(el("div", { class: "label" }, label));
  if (!window) {
    box.appendChild(el("div", { class: "value" }, "–"));
    return box;
  }
  const value = el("div", { class: "value" }, pct(window.matrix.accuracy) + " ");
  value.appendChild(el("small", {}, "of " + fmt.format(window.matrix.count)));
  box.appendChild(value);
  return box;
}

function versionPanel(v) {
  const panel = el("section", { class: "version", "data-version": v.modelVersion });
  const heading = panel.appendChild(el("h2", {}, "model " + v.modelVersion + " "));
  const role = modelRole(v.modelVersion);
  if (role) heading.appendChild(el("span", { class: "badge" + (role === "active" ? " ok" : ""), "data-role": role }, role));
  const figures = panel.appendChild(el("div", { class: "figures" }));
  figures.appendChild(figure("cumulative", v.cumulative));
  const span = v.rolling ? Math.round((v.rolling.windowEnd - v.rolling.windowStart) / 60000) : null;
  figures.appendChild(figure(span ? `rolling, last ${span} min` : "rolling", v.rolling));
  figures.appendChild(figure("latest tumbling window", v.latestTumbling));
  panel.appendChild(matrixTable(v.modelVersion, v.cumulative));
  const m = v.cumulative.matrix;
  panel.appendChild(
    el("div", { class: "per-class" }, "recall " + m.recall.map((r, d) => `${d}: ${(100 * r).toFixed(1)}`).join("  ")),
  );
  panel.appendChild(
    el("div", { class: "per-class" }, "precision " + m.precision.map((p, d) => `${d}: ${(100 * p).toFixed(1)}`).join("  ")),
  );
  panel.appendChild(el("div", { class: "label", style: "margin-top:10px" }, "rolling accuracy over time"));
  panel.appendChild(rollingChart(v.rollingHistory));
  return panel;
}

// Which role a version has on the answering instance now: active, shadow, or none (an earlier model).
function modelRole(version) {
  const model = lastSummary && lastSummary.model;
  if (!model) return null;
  if (model.active.version === version) return "active";
  if (model.shadow && model.shadow.version === version) return "shadow";
  return null;
}

// The latest announcement, when it was not carried out: the old model keeps serving.
function modelProblems(model) {
  const last = model && model.lastAnnouncement;
  if (!last || (last.outcome !== "refused" && last.outcome !== "invalid")) return [];
  const what = last.version ? `model ${last.version} (${last.role})` : "a model announcement";
  return [`${what} ${last.outcome}: ${last.reason}`];
}

// Why the answering instance is DEGRADED (a quarantined model, instances that disagree on the
// active model); /health gives the same reasons.
function degradedReasons(model) {
  return (model && model.degraded) || [];
}

function updateSelector(versions) {
  const select = $("version-select");
  const known = Array.from(select.options).map((o) => o.value).filter((v) => v);
  const names = versions.map((v) => v.modelVersion);
  if (known.join() === names.join()) return;
  const chosen = select.value;
  select.replaceChildren(el("option", { value: "" }, "all versions"));
  for (const name of names) select.appendChild(el("option", { value: name }, name));
  select.value = names.includes(chosen) ? chosen : "";
}

let lastSummary = null;

function render(summary) {
  lastSummary = summary;
  const total = summary.total;
  const state = $("state");
  state.textContent = summary.state;
  state.className = "badge " + (summary.state === "RUNNING" ? "ok" : summary.state === "ERROR" ? "down" : "");
  setText("instances", `${summary.instances.length} instance${summary.instances.length === 1 ? "" : "s"}`);
  setText("throughput", fmt.format(Math.round(total.imagesPerSecond)));
  setText("scored", fmt.format(total.imagesScored));
  setText("e2e-p50", ms(total.endToEndLatencyMs.p50));
  setText("e2e-p99", ms(total.endToEndLatencyMs.p99));
  setText("scoring-p50", ms(total.scoringLatencyMs.p50));
  setText("scoring-p99", ms(total.scoringLatencyMs.p99));
  setText("dlq", fmt.format(total.deadLetters));
  for (const k of ["paired", "late", "unmatched", "duplicate"]) setText("labels-" + k, fmt.format(total.labels[k] || 0));
  for (const k of ["unlabelled", "duplicate"]) setText("predictions-" + k, fmt.format(total.predictions[k] || 0));
  drawThroughput(total.throughput);

  const problems = $("problems");
  const all = summary.problems.concat(modelProblems(summary.model));
  problems.hidden = all.length === 0;
  problems.textContent = all.join(" · ");
  const degraded = $("degraded");
  const reasons = degradedReasons(summary.model);
  degraded.hidden = reasons.length === 0;
  degraded.textContent = reasons.length === 0 ? "" : "DEGRADED: " + reasons.join(" · ");

  updateSelector(summary.versions);
  const chosen = $("version-select").value;
  const shown = summary.versions.filter((v) => !chosen || v.modelVersion === chosen);
  const main = $("versions");
  if (shown.length === 0) {
    main.replaceChildren(el("p", { class: "empty" }, "Waiting for predictions and their labels…"));
  } else {
    main.replaceChildren(...shown.map(versionPanel));
  }
  document.body.setAttribute("data-ready", "true");
  document.body.setAttribute("data-generated-at", String(summary.generatedAt));
}

async function poll() {
  try {
    const response = await fetch("api/summary", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (e) {
    const state = $("state");
    state.textContent = "disconnected: " + e.message;
    state.className = "badge down";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

$("version-select").addEventListener("change", () => lastSummary && render(lastSummary));
poll();
