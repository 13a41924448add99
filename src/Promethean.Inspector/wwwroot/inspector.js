// Promethean inspector: one server-sent event stream for the live numbers, /api/state for the
// panels, /api/memory and /api/world on demand. Plain DOM and SVG, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const palette = ["#f0a23b", "#5cc28a", "#6aa7e8", "#c78ae8", "#e5616b", "#e8c45c", "#4fc9c2", "#a3b86c", "#e88a5c", "#8593a3", "#d36fa8", "#7f8be8"];
const chartTicks = 60;
const times = new Map(); // tick -> { system: microseconds }
let lastStateAt = 0;
let lastTick = -1;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function showPulse(p) {
  $("tick").textContent = p.tick;
  $("tick-rate").textContent = p.tickRate.toFixed(1);
  $("inbound").textContent = p.inboundDepth;
  $("in-flight").textContent = p.effectsInFlight;
  $("world-hash").textContent = p.worldHash ? p.worldHash.slice(0, 16) + "…" : "(genesis)";
  if (p.worldHash && Object.keys(p.systemMicroseconds).length) times.set(p.tick, p.systemMicroseconds);
}

function drawChart() {
  const svg = $("system-chart");
  const ticks = [...times.keys()].sort((a, b) => a - b).slice(-chartTicks);
  for (const t of [...times.keys()]) if (t < (ticks[0] ?? 0)) times.delete(t);
  const systems = [...new Set(ticks.flatMap((t) => Object.keys(times.get(t))))];
  const totals = ticks.map((t) => Object.values(times.get(t)).reduce((a, b) => a + b, 0));
  // A cold first tick (JIT) would flatten the rest: scale to twice the 75th percentile and clip the outliers.
  const sorted = [...totals].sort((a, b) => a - b);
  const max = Math.max(1, Math.round((sorted[Math.floor((sorted.length - 1) * 0.75)] ?? 1) * 2));
  const width = 800, height = 180, bar = width / chartTicks;
  const parts = [];
  ticks.forEach((t, i) => {
    let y = height;
    systems.forEach((s, k) => {
      const h = Math.min(y - 14, ((times.get(t)[s] || 0) / max) * (height - 14));
      if (h <= 0) return;
      y -= h;
      parts.push(`<rect x="${(i * bar).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bar - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${palette[k % palette.length]}"><title>tick ${t} ${s}: ${times.get(t)[s]} µs</title></rect>`);
    });
  });
  parts.push(`<text x="4" y="12" fill="#8593a3" font-size="11">scale ${max} µs/tick (taller ticks clipped) · last ${totals.at(-1) ?? 0} µs</text>`);
  svg.innerHTML = parts.join("");
  $("system-legend").replaceChildren(...systems.map((s, k) => el("span", {}, el("i", { style: `background:${palette[k % palette.length]}` }), s)));
}

function row(cells) { return el("tr", {}, ...cells.map((c) => el("td", {}, c))); }

function showState(s) {
  showPulse(s);
  for (const h of s.systemTimes.history) times.set(h.tick, h.us);
  drawChart();
  const journaled = s.systemTimes.journaled;
  $("system-journaled").textContent = journaled
    ? `journaled in debug/system-times (previous tick, replayable): ${Object.values(journaled).reduce((a, b) => a + b, 0)} µs in ${Object.keys(journaled).length} systems`
    : "debug/system-times: nothing journaled yet (the daemon journals each tick's times with the next tick; scripted runs never do, so their hashes compare)";

  const j = s.journal;
  $("journal").replaceChildren(
    el("dt", {}, "committed tick"), el("dd", { "data-testid": "journal-tick" }, j.committedTick ?? j.tick),
    el("dt", {}, "world hash"), el("dd", { class: "mono" }, j.worldHash ?? "(genesis)"),
    el("dt", {}, "pending outbox"), el("dd", {}, j.pendingOutbox ?? "–"),
    el("dt", {}, "memories"), el("dd", {}, j.memories ?? "–"));

  $("sessions").tBodies[0].replaceChildren(...s.sessions.map((x) => row([
    x.name, x.cephalon, el("span", { class: `badge status-${x.status}` }, x.status),
    `${x.queue}/${x.queueCapacity}` + (x.queueDropped ? ` (dropped ${x.queueDropped})` : ""),
    x.budgets ? `${x.budgets.tokensLeft} (day ${x.budgets.tokensToday}/${x.budgets.tokensPerDay})` : "–",
    x.budgets ? `${x.budgets.callsLeftThisMinute}/${x.budgets.callsPerMinute}` : "–",
    x.budgets ? x.budgets.turns : "–"])));

  const ctx = s.context;
  if (!ctx) {
    $("context").replaceChildren(el("p", { class: "empty" }, "no context assembled yet"));
  } else {
    const sections = Object.entries(ctx.sections).filter(([k]) => k !== "total");
    const max = Math.max(1, ...sections.map(([, v]) => Number(v) || 0));
    $("context").replaceChildren(
      el("p", { class: "muted" }, `tick ${ctx.tick} · ${ctx.effectId} · ${ctx.model} · ${ctx.messages} messages`),
      ...sections.map(([k, v]) => el("div", { class: "section-row", "data-testid": "context-section", "data-section": k },
        el("span", {}, k), el("div", {}, el("div", { class: "bar", style: `width:${((Number(v) || 0) / max) * 100}%` })), el("span", {}, v))),
      el("div", { class: "section-row" }, el("b", {}, "total"), el("span"), el("b", { "data-testid": "context-total" }, ctx.sections.total ?? ctx.totalTokens)),
      sections.length ? "" : el("p", { class: "empty" }, "the last llm/chat effect carries no tokens.* meta"));
  }

  $("sentinels").replaceChildren(...(s.sentinels.length ? [el("table", {}, el("thead", {}, el("tr", {}, ...["sentinel", "state", "attempt", "input"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...s.sentinels.map((x) => el("tr", { "data-testid": "sentinel", "data-state": x.state },
      el("td", { title: "contract " + x.contract }, x.name), el("td", {}, el("span", { class: `badge state-${x.state}` }, x.state)),
      el("td", {}, `${x.attempt}/${x.maxAttempts}`), el("td", { class: "mono path" }, x.path)))))]
    : [el("p", { class: "empty" }, "no sentinels")]));

  const o = s.olympia;
  $("olympia-summary").replaceChildren(
    el("span", {}, "sentinel first-try pass rate ", el("b", {}, pct(o.sentinelFirstTryPassRate))),
    el("span", {}, "dedupe ratio ", el("b", { "data-testid": "dedupe-ratio" }, pct(o.dedupeRatio))),
    el("span", {}, "ingest accepted ", el("b", {}, o.ingestAccepted), " rejected ", el("b", {}, o.ingestRejected)));
  $("olympia").tBodies[0].replaceChildren(...o.windows.map((w) => row([w.key, w.calls, w.errors, w.latencyP50, w.latencyP95, w.promptTokens, w.completionTokens, w.toolErrors, pct(w.silenceRatio), usd(w.costUsd)])));

  $("events").replaceChildren(...s.lastEvents.map((e) => el("li", {}, e)));
  $("counters").replaceChildren(...Object.entries(s.counters).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  $("taps").replaceChildren(...(s.taps.recent.length ? s.taps.recent.map((t) => el("div", { class: "tap" },
    el("b", {}, t.name), ` tick ${t.tick} after ${t.afterSystem}: ${t.eventCount} events, ${t.effectCount} effects`,
    t.events.length ? el("div", { class: "muted" }, t.events.join(" · ")) : "",
    t.effects.length ? el("div", { class: "muted" }, t.effects.join(" · ")) : ""))
    : [el("p", { class: "empty" }, "no tap fired yet: " + s.taps.points.join(", "))]));
  $("world-tick").max = j.committedTick ?? s.tick;
}

function pct(x) { return (100 * (x || 0)).toFixed(1) + "%"; }
function usd(x) { return x === null || x === undefined ? "-" : "$" + x.toFixed(x < 1 ? 4 : 2); }

async function refreshState() {
  lastStateAt = Date.now();
  try { showState(await getJson("api/state")); } catch (e) { $("connection").textContent = "state: " + e.message; }
}

function connect() {
  const source = new EventSource("api/stream");
  source.addEventListener("open", () => { $("connection").textContent = "live"; $("connection").className = "connection live"; });
  source.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; $("connection").className = "connection down"; });
  source.addEventListener("pulse", (m) => {
    const p = JSON.parse(m.data);
    showPulse(p);
    drawChart();
    const changed = p.tick !== lastTick;
    lastTick = p.tick;
    if ((changed && Date.now() - lastStateAt > 700) || Date.now() - lastStateAt > 3000) refreshState();
  });
}

$("memory-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const q = $("memory-query").value.trim();
  if (!q) return;
  const out = $("memory-results");
  out.replaceChildren(el("p", { class: "muted" }, "searching…"));
  try {
    const r = await getJson("api/memory?q=" + encodeURIComponent(q));
    $("memory-engine").textContent = r.engine;
    out.replaceChildren(...(r.hits.length ? r.hits.map((h) => el("div", { class: "hit", "data-testid": "memory-hit" },
      el("span", { class: "score" }, h.score.toFixed(3)), h.text,
      el("div", { class: "parts" }, Object.entries(h.breakdown).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(" + "),
        ` · ${h.kind} · ${h.id.slice(0, 12)}` + (h.tags.length ? " · " + h.tags.join(" ") : ""))))
      : [el("p", { class: "empty" }, "no memory matches")]));
  } catch (err) {
    out.replaceChildren(el("p", { class: "empty" }, err.message));
  }
});

$("world-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const tick = $("world-tick").value;
  $("world-status").textContent = "replaying…";
  try {
    const r = await getJson("api/world?tick=" + encodeURIComponent(tick));
    $("world-status").textContent = `tick ${r.tick} · ${r.worldHash ?? "genesis"} · ` + (r.hashesMatch ? "every replayed hash matches the journal" : "REPLAY DIVERGED from the journal");
    $("world-json").textContent = JSON.stringify(r.world.components, null, 2);
  } catch (err) {
    $("world-status").textContent = err.message;
  }
});

refreshState();
connect();
