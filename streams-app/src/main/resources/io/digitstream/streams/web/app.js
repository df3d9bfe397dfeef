// The accuracy page: polls /api/summary once a second and redraws; the alerts, the images behind
// the numbers and the per-digit history every few seconds. No libraries, no build step.
"use strict";

const POLL_MS = 1000;
const DETAIL_MS = 5000;
// Images per ring shown, and tumbling windows in the per-digit history.
const IMAGES = 24;
const WINDOWS = 30;
const IMAGE_KINDS = ["misclassified", "unconfident", "ood"];
// Drift scores: field of monitor.drift, name in the summary's driftThresholds, what people read.
const DRIFT_SCORES = [
  ["digitMix", "digit-mix", "predicted-digit mix"],
  ["input", "input", "input statistics"],
  ["confidence", "confidence", "confidence"],
  ["errorCusum", "error-cusum", "error rate (CUSUM)"],
];
const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat("en-US");
const pct = (x) => (100 * x).toFixed(2) + " %";
// Milliseconds in the unit a person reads best: replayed data can be minutes old.
const ms = (x) =>
  x == null ? "–" : x < 1000 ? x.toFixed(1) + " ms" : x < 120000 ? (x / 1000).toFixed(1) + " s" : (x / 60000).toFixed(1) + " min";
const svgNs = "http://www.w3.org/2000/svg";
// Figures that may be missing (old records, nothing computable yet) read "–".
const known = (x) => x != null && Number.isFinite(x);
const num = (x, digits) => (known(x) ? x.toFixed(digits) : "–");
const pctOr = (x) => (known(x) ? pct(x) : "–");
const clock = (t) => new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

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

function plainFigure(label, text, detail) {
  const box = el("div");
  box.appendChild(el("div", { class: "label" }, label));
  const value = box.appendChild(el("div", { class: "value" }, text + " "));
  if (detail) value.appendChild(el("small", {}, detail));
  return box;
}

// Reliability diagram: per confidence bin, the share of right predictions, against the diagonal
// a perfectly calibrated model would follow.
function calibrationChart(calibration) {
  const size = 200;
  const pad = 26;
  const chart = svg("svg", { class: "calibration", viewBox: `0 0 ${size + pad + 12} ${size + pad}` });
  const bins = (calibration && calibration.bins) || [];
  chart.setAttribute("data-bins", String(bins.filter((b) => b.count > 0).length));
  const x = (c) => pad + c * size;
  const y = (a) => 4 + size - a * size;
  for (const b of bins) {
    if (!b.count) continue;
    const accuracy = b.correct / b.count;
    const bar = svg("rect", {
      x: (x(b.lower) + 1).toFixed(1),
      width: Math.max(0, (b.upper - b.lower) * size - 2).toFixed(1),
      y: y(accuracy).toFixed(1),
      height: (accuracy * size).toFixed(1),
      "data-lower": String(b.lower),
      "data-accuracy": accuracy.toFixed(4),
      "data-count": String(b.count),
    });
    const title = svg("title");
    title.textContent = `confidence ${b.lower}–${b.upper}: ${fmt.format(b.correct)} of ${fmt.format(b.count)} right` +
      (known(b.meanConfidence) ? `, mean confidence ${b.meanConfidence.toFixed(3)}` : "");
    bar.appendChild(title);
    chart.appendChild(bar);
  }
  chart.appendChild(svg("line", { class: "diagonal", x1: x(0), y1: y(0), x2: x(1), y2: y(1) }));
  for (const t of [0, 0.5, 1]) {
    const left = svg("text", { x: 2, y: y(t) + 3 });
    left.textContent = t.toFixed(1);
    const bottom = svg("text", { x: x(t), y: size + pad - 4, "text-anchor": "middle" });
    bottom.textContent = t.toFixed(1);
    chart.append(left, bottom);
  }
  return chart;
}

function driftTable(drift, thresholds) {
  const table = el("table", { class: "drift" });
  const head = el("tr");
  for (const h of ["drift score", "latest window", "threshold"]) head.appendChild(el("th", {}, h));
  table.appendChild(el("thead")).appendChild(head);
  const body = table.appendChild(el("tbody"));
  for (const [field, name, label] of DRIFT_SCORES) {
    const value = drift ? drift[field] : null;
    const threshold = thresholds[name];
    const over = known(value) && known(threshold) && value > threshold;
    const row = el("tr", { "data-score": name, class: over ? "over" : "" });
    row.append(el("td", {}, label), el("td", { class: "score" }, num(value, 3)), el("td", {}, num(threshold, 3)));
    body.appendChild(row);
  }
  return table;
}

// Recall of each digit over the tumbling windows (oldest left): one small chart per digit.
function perDigitCharts(windows) {
  const ordered = (windows || []).slice().reverse();
  const grid = el("div", { class: "per-digit", "data-windows": String(ordered.length) });
  for (let d = 0; d < 10; d++) {
    const points = [];
    ordered.forEach((w, i) => {
      const row = w.matrix.matrix[d];
      if (row.reduce((a, b) => a + b, 0) > 0) points.push([i, w.matrix.recall[d]]);
    });
    const figure = grid.appendChild(el("figure", { "data-digit": String(d) }));
    const chart = figure.appendChild(svg("svg", { viewBox: "0 0 100 30", preserveAspectRatio: "none", "data-points": String(points.length) }));
    const values = points.map((p) => p[1]);
    const lo = Math.min(0.9, ...values);
    const step = ordered.length > 1 ? 100 / (ordered.length - 1) : 0;
    if (points.length > 1) {
      chart.appendChild(svg("polyline", {
        points: points.map(([i, v]) => `${(i * step).toFixed(1)},${(28 - ((v - lo) / (1 - lo || 1)) * 26).toFixed(1)}`).join(" "),
      }));
    }
    const last = values.length ? values[values.length - 1] : null;
    figure.appendChild(el("figcaption", {}, `${d}: ${known(last) ? (100 * last).toFixed(1) + " %" : "–"}`));
  }
  return grid;
}

function monitorBlock(v) {
  const block = el("div", { class: "monitor" });
  const cumulative = (v.cumulative && v.cumulative.monitor) || null;
  const latest = (v.latestTumbling && v.latestTumbling.monitor) || null;
  const calibration = cumulative && cumulative.calibration;
  const left = block.appendChild(el("div", { "data-panel": "calibration" }));
  left.appendChild(el("div", { class: "label" }, "calibration (cumulative): share right per confidence bin"));
  left.appendChild(calibrationChart(calibration));
  left.appendChild(el("div", { class: "per-class" },
    `ECE ${num(calibration && calibration.ece, 4)} over ${calibration ? fmt.format(calibration.pairs) : "–"} pairs`));
  const middle = block.appendChild(el("div", { "data-panel": "drift" }));
  middle.appendChild(el("div", { class: "label" }, "drift, latest tumbling window"));
  middle.appendChild(driftTable(latest && latest.drift, (lastSummary && lastSummary.driftThresholds) || {}));
  if (latest) {
    middle.appendChild(el("div", { class: "per-class" },
      `out of distribution ${fmt.format(latest.outOfDistribution || 0)} of ${fmt.format(latest.predictions || 0)}`));
  }
  const right = block.appendChild(el("div", { "data-panel": "per-digit" }));
  right.appendChild(el("div", { class: "label" }, `recall per digit, last ${WINDOWS} tumbling windows`));
  right.appendChild(perDigitCharts(details.windows[v.modelVersion]));
  return block;
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
  const latest = (v.latestTumbling && v.latestTumbling.monitor) || {};
  figures.appendChild(plainFigure("estimated, latest tumbling", pctOr(latest.estimatedAccuracy),
    known(latest.predictions) ? "of " + fmt.format(latest.predictions) : ""));
  figures.appendChild(plainFigure("estimate − measured", known(latest.estimateError) ? (100 * latest.estimateError).toFixed(2) + " pt" : "–"));
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
  panel.appendChild(monitorBlock(v));
  return panel;
}

// Draws base64 pixels (0 = background, 255 = ink) as white ink on black, as MNIST shows them;
// answers how many inked pixels the canvas holds, read back from it.
function drawDigit(canvas, base64) {
  const bytes = atob(base64);
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = i < bytes.length ? bytes.charCodeAt(i) : 0;
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
  const drawn = ctx.getImageData(0, 0, 28, 28).data;
  let ink = 0;
  for (let i = 0; i < 784; i++) if (drawn[4 * i] > 0) ink++;
  return ink;
}

function digitFigure(image) {
  const fig = el("figure", { class: "digit" + (image.pixels ? "" : " gone"), "data-id": image.id, "data-version": image.modelVersion });
  const canvas = fig.appendChild(el("canvas", { width: "28", height: "28" }));
  if (image.pixels) fig.setAttribute("data-ink", String(drawDigit(canvas, image.pixels)));
  const probability = (100 * image.probability).toFixed(0) + " %";
  const caption = fig.appendChild(el("figcaption"));
  if (image.trueDigit != null) {
    caption.append(`${image.trueDigit} → `);
    caption.appendChild(el("span", { class: "wrong" }, String(image.predictedDigit)));
    caption.append(` · ${probability}`);
  } else {
    caption.textContent = `${image.predictedDigit} · ${probability}`;
  }
  fig.title = `${image.id}, model ${image.modelVersion}, image time ${clock(image.imageTimestamp)}` +
    (known(image.oodScore) ? `, out-of-distribution score ${image.oodScore.toFixed(2)}` : "") +
    (image.pixels ? "" : "; pixels no longer kept (digitstream.page.images.recent)");
  return fig;
}

function renderImages(kind, list) {
  const box = $("images-" + kind);
  const images = (list && list.images) || [];
  box.setAttribute("data-count", String(images.length));
  if (images.length === 0) box.replaceChildren(el("span", { class: "empty" }, "none"));
  else box.replaceChildren(...images.map(digitFigure));
}

function renderAlerts(alerts) {
  const list = $("alert-list");
  $("alerts").setAttribute("data-firing", String(alerts.filter((a) => a.state === "firing").length));
  if (alerts.length === 0) {
    list.replaceChildren(el("li", { class: "empty" }, "No alert has fired."));
    return;
  }
  list.replaceChildren(...alerts.map((a) => {
    const item = el("li", { class: a.state, "data-kind": a.kind, "data-version": a.modelVersion, "data-state": a.state });
    item.appendChild(el("span", { class: "kind" }, a.kind));
    const about = a.modelVersion === "all" ? "all versions" : "model " + a.modelVersion;
    const when = a.state === "firing" ? "since " + clock(a.firedAt) : "at " + clock(a.changedAt);
    item.append(` · ${about} · ${a.state} ${when} · ${num(a.value, 3)} against ${num(a.threshold, 3)} · ${a.message || ""}`);
    return item;
  }));
}

// Answers of the slower questions; the version panels draw from here on every redraw.
const details = { windows: {}, problems: [] };

async function getJson(path) {
  const response = await fetch(path, { cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function pollDetails() {
  const problems = [];
  const ask = (path, use) => getJson(path).then(use, (e) => problems.push(e.message));
  const versions = lastSummary ? lastSummary.versions.map((v) => v.modelVersion) : [];
  await Promise.all([
    ask("api/alerts", (a) => renderAlerts(a.alerts)),
    ...IMAGE_KINDS.map((kind) =>
      ask(`api/images?kind=${kind}&limit=${IMAGES}`, (list) => {
        renderImages(kind, list);
        problems.push(...list.problems);
      })),
    ...versions.map((version) =>
      ask(`api/accuracy/${encodeURIComponent(version)}/windows?kind=tumbling&limit=${WINDOWS}`, (list) => {
        details.windows[version] = list.windows;
      })),
  ]);
  details.problems = problems;
  if (lastSummary) render(lastSummary);
  document.body.setAttribute("data-details-ready", "true");
  setTimeout(pollDetails, DETAIL_MS);
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
  const all = summary.problems.concat(modelProblems(summary.model), details.problems);
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

let detailsStarted = false;

async function poll() {
  try {
    const response = await fetch("api/summary", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    // The first summary names the versions whose per-digit history to ask for.
    if (!detailsStarted) {
      detailsStarted = true;
      pollDetails();
    }
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
