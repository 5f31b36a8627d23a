// qmodes timeline widget (anywidget, plain ESM, no imports).
// The kernel sends append-only ops (see qmodes/widget/state.py); a per-model store applies
// them, and each view draws the visible rows of the Gantt chart on a canvas.
const KINDS = ["queued", "classical", "qpu", "post"];
const FINAL = new Set(["DONE", "ERROR", "CANCELLED"]);
const ROW = 16, AXIS = 22, GUTTER = 132, EPS = 0.0005;
const stores = new Map();

// Where a job waited for the QPU besides its queued span: between its phases before the QPU
// took it, and since its last phase while the QPU has not (qmodes/widget/waits.py: gaps).
export function gaps(job, now) {
  const sp = job.spans, out = [];
  for (let n = 0; n + 1 < sp.length; n++) {
    if (sp[n][0] === 2) return out;
    if (sp[n][2] !== null && sp[n + 1][1] - sp[n][2] > EPS) out.push([sp[n][2], sp[n + 1][1]]);
  }
  const last = sp[sp.length - 1];
  if (last && last[2] !== null && last[0] < 2) {
    const end = FINAL.has(job.status) ? job.finished : now;
    if (end != null && end - last[2] > EPS) out.push([last[2], end]);
  }
  return out;
}

// Seconds a job waited for the QPU: its queued spans and its gaps.
export function waited(job, now) {
  let total = 0;
  for (const [k, s, e] of job.spans) if (k === 0) total += (e === null ? now : e) - s;
  for (const [s, e] of gaps(job, now)) total += e - s;
  return total;
}

export function newStore() {
  return { n: 0, contexts: [], jobs: [], rows: [], summaries: [], version: 0,
    listeners: new Set(), busy: null };
}

// Rows in job order: the summaries of older jobs first (see qmodes/widget/compact.py), then
// every job held in detail. store.jobs is indexed by job index and may have holes.
function addRow(store, job) {
  const rows = store.rows;
  if (!rows.length || rows[rows.length - 1].i < job.i) rows.push(job);
  else rows.splice(rows.findIndex((r) => !r.summary && r.i > job.i), 0, job);
}

// A summarized job that was still queued starts: it gets a row of its own.
function stubJob(store, ji, start) {
  const agg = store.summaries.find((a) => a && a.queued.some(([f, l]) => f <= ji && ji <= l));
  const job = { i: ji, id: null, ci: agg ? agg.ci : -1, created: start, status: "RUNNING",
    num_pubs: null, shots: null, primitive: "", spans: [] };
  store.jobs[ji] = job;
  addRow(store, job);
  return job;
}

function summaryRow(ci, a) {
  return { summary: true, i: -1, ci, id: null, n: a.n, counts: a.status, status: "",
    queued: a.queued || [], spans: (a.qpu || []).map(([s, e]) => [2, s, e]) };
}

export function applyOps(store, ops) {
  for (const op of ops) {
    const k = op[0], job = store.jobs[op[1]];
    if (k === "S") (job || stubJob(store, op[1], op[3])).spans.push([op[2], op[3], null]);
    else if (k === "s") {
      if (!job) continue;  // a summarized job: its summary stays as it was
      const s = job.spans, last = s[s.length - 1];
      if (last && last[2] === null) last[2] = op[2];
    } else if (k === "j") { if (job) Object.assign(job, op[2]); }
    else if (k === "J") {
      store.jobs[op[1]] = { i: op[1], id: op[2], ci: op[3], created: op[4],
        status: op[5], num_pubs: op[6], shots: op[7], primitive: op[8], spans: [] };
      addRow(store, store.jobs[op[1]]);
    } else if (k === "A") {
      const row = summaryRow(op[1], op[2]);
      store.summaries.push(row);
      store.rows.splice(store.summaries.length - 1, 0, row);
    } else if (k === "C") store.contexts[op[1]] = Object.assign({ windows: [] }, op[2]);
    else if (k === "c") Object.assign(store.contexts[op[1]], op[2]);
    else if (k === "W") store.contexts[op[1]].windows.push([op[2], null]);
    else if (k === "w") {
      const w = store.contexts[op[1]].windows;
      if (w.length) w[w.length - 1][1] = op[2];
    }
  }
  store.version++;
  store.busy = null;
}

// Apply a delta {from, to, ops}; returns "applied", "stale" (nothing new) or "gap".
export function receive(store, delta) {
  if (!delta || delta.to === undefined || delta.to <= store.n) return "stale";
  const from = delta.from || 0;
  if (from > store.n) return "gap";
  applyOps(store, delta.ops.slice(store.n - from));
  store.n = delta.to;
  for (const fn of store.listeners) fn();
  return "applied";
}

// Start over from a snapshot {to, ops}: ops that rebuild the state (not a prefix of the
// log: older jobs may be summarized), valid for every delta from `to` on.
export function restore(store, snapshot) {
  if (!snapshot || snapshot.to === undefined || snapshot.to <= store.n) return "stale";
  Object.assign(store, { contexts: [], jobs: [], rows: [], summaries: [] });
  applyOps(store, snapshot.ops || []);
  store.n = snapshot.to;
  for (const fn of store.listeners) fn();
  return "applied";
}

function storeFor(model) {
  const uid = model.get("uid");
  if (!stores.has(uid)) stores.set(uid, newStore());
  return stores.get(uid);
}

function initialize({ model, signal }) {
  const store = storeFor(model);
  const sync = () => {
    restore(store, model.get("snapshot"));
    if (receive(store, model.get("delta")) === "gap") model.send({ kind: "resync" });
  };
  sync();
  model.on("change:snapshot", sync);
  model.on("change:delta", sync);
  signal?.addEventListener("abort", () => stores.delete(model.get("uid")));
}

const fmt = (s) => (s == null ? "–" : s < 60 ? `${s.toFixed(s < 10 ? 3 : 1)} s`
  : s < 3600 ? `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`
  : `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`);
const label = (job) => job.id ?? `job #${job.i}`;
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const h = (tag, cls, html) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (html != null) e.innerHTML = html;
  return e;
};

// Intervals where a context's jobs keep the QPU side busy (classical start .. post end).
function busyIntervals(store, ci, now) {
  const spans = [];
  for (const job of store.rows) {
    if (job.ci !== ci) continue;
    if (job.summary) { for (const [, s, e] of job.spans) spans.push([s, e]); continue; }
    let a = null, b = null;
    for (const [kind, s, e] of job.spans) {
      if (kind === 0) continue;
      a = a === null ? s : Math.min(a, s);
      b = Math.max(b ?? s, e === null ? now : e);
    }
    if (a !== null) spans.push([a, b]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  const out = [];
  for (const s of spans) {
    if (out.length && s[0] <= out[out.length - 1][1]) out[out.length - 1][1] = Math.max(out[out.length - 1][1], s[1]);
    else out.push(s.slice());
  }
  return out;
}

// The advisor panel: per context a small table (mode, billed usage, wall time, idle time
// billed), the recommendation in one line; then the hints; the sources in one muted footnote.
const secs = (s) => (s == null ? "–" : s < 100 ? `${s.toFixed(1)} s` : `${Math.round(s).toLocaleString("en-US")} s`);
const range = (r) => (!r || r[0] === r[1] ? "–" : `${secs(r[0])}–${secs(r[1])}`);
export function advicePanel(adv) {
  const tables = adv.tables || [], hints = adv.hints || [];
  if (!tables.length && !hints.length) return "";
  const money = tables.some((t) => t.rows.some((r) => r.cost != null));
  const body = tables.map((t) => `<div class="qm-adv-block" data-context="${esc(t.context)}">
    ${tables.length > 1 ? `<div class="qm-adv-caption">${esc(t.context)}</div>` : ""}
    ${t.conditions ? `<div class="qm-adv-cond qm-muted">replayed on the device: ${esc(t.conditions)}</div>` : ""}
    <table class="qm-adv-table"><thead><tr><th>mode</th><th>billed usage</th><th>wall time</th><th>p10–p90</th><th>waited</th><th>idle billed</th>${money ? "<th>cost</th>" : ""}</tr></thead><tbody>
    ${t.rows.map((r) => `<tr class="${r.recommended ? "qm-rec" : ""}" data-mode="${esc(r.mode)}"><td>${esc(r.mode)}${r.recommended ? ' <span class="qm-badge">recommended</span>' : ""}</td><td>${secs(r.usage)}</td><td>${secs(r.wall)}</td><td>${range(r.wall_range)}</td><td>${secs(r.waited)}</td><td>${secs(r.idle)}</td>${money ? `<td>${r.cost == null ? "–" : r.cost.toFixed(2)}</td>` : ""}</tr>`).join("")}
    </tbody></table>
    <div class="qm-adv-rec">${esc(t.recommendation)}</div></div>`).join("");
  const notes = [...new Set(tables.map((t) => t.footnote))];
  return `${body}${hints.length ? `<ul class="qm-hints">${hints.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>` : ""}`
    + (notes.length ? `<div class="qm-adv-foot">${notes.map(esc).join(" ")}</div>` : "");
}

function render({ model, el }) {
  const store = storeFor(model);
  const root = h("div", "qm-root");
  const header = h("div", "qm-header"), usage = h("div", "qm-usage"), advice = h("div", "qm-advice");
  const toolbar = h("div", "qm-toolbar", KINDS.map((k) => `<span><i class="qm-key" style="background:var(--qm-${k})"></i>${k === "qpu" ? "QPU" : k}</span>`).join("")
    + '<span><i class="qm-key" style="background:var(--qm-error)"></i>failed</span><span><i class="qm-key" style="background:var(--qm-cancelled)"></i>cancelled</span>'
    + '<span><i class="qm-key" style="background:var(--qm-window)"></i>active window</span><span><i class="qm-key" style="background:var(--qm-idle)"></i>idle TTL</span>'
    + '<span class="qm-load-key" hidden><i class="qm-key qm-key-load" style="background:var(--qm-load)"></i>other users</span>'
    + '<span class="qm-spacer-flex"></span><span class="qm-rows"></span>');
  const fit = h("button", "qm-fit", "Fit");
  toolbar.append(fit);
  const chart = h("div", "qm-chart"), scroll = h("div", "qm-scroll"), canvas = document.createElement("canvas");
  const spacer = h("div"), tip = h("div", "qm-tip");
  scroll.append(canvas, spacer);
  chart.append(scroll, tip);
  const footer = h("div", "qm-footer"), selInfo = h("span", "qm-selected", "Click a row to select a job.");
  const cancelJob = h("button", "qm-cancel-job", "Cancel job"), message = h("span", "qm-message");
  footer.append(selInfo, cancelJob, message);
  root.append(header, usage, advice, toolbar, chart, footer);
  el.append(root);

  const view = { t0: 0, t1: 1, follow: true, selected: -1, hover: -1, width: 600, colors: null,
    summary: model.get("summary") || {}, received: performance.now(), frame: 0 };
  const g = canvas.getContext("2d");
  const height = () => Math.min(model.get("height") || 360, AXIS + Math.max(3, store.rows.length) * ROW + 4);
  const now = () => {
    const s = view.summary;
    if (!s || s.now == null) return 0;
    return s.live ? s.now + (performance.now() - view.received) / 1000 : s.now;
  };
  const extent = () => {
    let end = now();
    for (const job of store.rows) for (const sp of job.spans) if (sp[2] !== null && sp[2] > end) end = sp[2];
    return Math.max(end, 1e-3);
  };
  const colors = () => {
    const cs = getComputedStyle(root), c = {};
    for (const k of ["bg", "fg", "fg2", "grid", "queued", "classical", "qpu", "post", "error", "cancelled", "window", "idle", "now", "select", "load", "load-shade"])
      c[k] = cs.getPropertyValue(`--qm-${k}`).trim() || "#888";
    return c;
  };
  const x = (t) => GUTTER + ((t - view.t0) / (view.t1 - view.t0 || 1)) * (view.width - GUTTER - 8);
  const tAt = (px) => view.t0 + ((px - GUTTER) / (view.width - GUTTER - 8)) * (view.t1 - view.t0);

  function draw() {
    view.frame = 0;
    const H = height(), W = view.width, dpr = window.devicePixelRatio || 1, t = now();
    scroll.style.height = `${H}px`;
    spacer.style.height = `${Math.max(0, AXIS + store.rows.length * ROW + 4 - H)}px`;
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      canvas.style.width = `${W}px`; canvas.style.height = `${H}px`;
    }
    if (view.follow) { view.t0 = 0; view.t1 = extent() * 1.03; }
    const c = view.colors || (view.colors = colors());
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = c.bg; g.fillRect(0, 0, W, H);
    g.save(); g.beginPath(); g.rect(GUTTER, 0, W - GUTTER, H); g.clip();
    store.contexts.forEach((ctx, ci) => {  // session windows, idle TTL inside them
      if (!ctx || !ctx.windows.length) return;
      if (!store.busy) store.busy = {};
      const busy = store.busy[ci] || (store.busy[ci] = busyIntervals(store, ci, t));
      for (const [a, b0] of ctx.windows) {
        const b = b0 === null ? t : b0;
        g.fillStyle = c.window; g.fillRect(x(a), AXIS, x(b) - x(a), H - AXIS);
        let cur = a;
        g.fillStyle = c.idle;
        for (const [s, e] of busy) {
          if (e <= cur || s >= b) continue;
          if (s > cur) g.fillRect(x(cur), AXIS, x(s) - x(cur), H - AXIS);
          cur = Math.max(cur, e);
        }
        if (cur < b) g.fillRect(x(cur), AXIS, x(b) - x(cur), H - AXIS);
      }
    });
    const load = view.summary.load;  // other users on the device: one aggregated band
    if (load && load.intervals) {  // a band above the rows, and a shade behind them
      for (const [a, b] of load.intervals) {
        const x0 = x(a), x1 = x(b);
        if (x1 < GUTTER || x0 > W) continue;
        g.fillStyle = c["load-shade"]; g.fillRect(x0, AXIS, Math.max(1, x1 - x0), H - AXIS);
        g.fillStyle = c.load; g.fillRect(x0, AXIS - 6, Math.max(1, x1 - x0), 5);
      }
    }
    const span = view.t1 - view.t0, raw = span / Math.max(2, (W - GUTTER) / 90);
    const mag = 10 ** Math.floor(Math.log10(raw)), step = [1, 2, 5, 10].find((m) => m * mag >= raw) * mag;
    g.font = "10px sans-serif"; g.textAlign = "center"; g.textBaseline = "middle";
    for (let tk = Math.ceil(view.t0 / step) * step; tk <= view.t1; tk += step) {
      g.fillStyle = c.grid; g.fillRect(Math.round(x(tk)), AXIS - 4, 1, H);
      g.fillStyle = c.fg2; g.fillText(`${+tk.toFixed(6)}s`, x(tk), AXIS / 2);
    }
    const top = scroll.scrollTop, first = Math.max(0, Math.floor(top / ROW));
    const last = Math.min(store.rows.length, Math.ceil((top + H - AXIS) / ROW) + 1);
    for (let r = first; r < last; r++) {
      const job = store.rows[r], y = AXIS + r * ROW - top;
      if (!job) continue;
      if (r === view.selected || r === view.hover) { g.fillStyle = c.select; g.fillRect(GUTTER, y, W, ROW); }
      const bad = job.status === "ERROR" ? c.error : job.status === "CANCELLED" ? c.cancelled : null;
      if (!job.summary) {  // waits between phases: drawn as queued, as the queue itself
        g.fillStyle = c.queued;
        for (const [s, e] of gaps(job, t)) {
          const x0 = Math.max(GUTTER, x(s)), x1 = Math.min(W, x(e));
          if (x1 - x0 >= 0.5) g.fillRect(x0, y + 3, x1 - x0, ROW - 6);
        }
      }
      job.spans.forEach(([k, s, e], n) => {
        const x0 = x(s), x1 = x(e === null ? t : e);
        if (x1 < GUTTER || x0 > W) return;
        g.fillStyle = bad && n === job.spans.length - 1 ? bad : c[KINDS[k]];
        g.globalAlpha = bad && n < job.spans.length - 1 ? 0.45 : 1;
        g.fillRect(x0, y + 3, Math.max(1, x1 - x0), ROW - 6);
      });
      g.globalAlpha = 1;
    }
    if (view.summary.live) { g.fillStyle = c.now; g.fillRect(Math.round(x(t)), AXIS - 6, 1.5, H); }
    g.restore();
    g.fillStyle = c.bg; g.fillRect(0, AXIS, GUTTER - 2, H);
    g.textAlign = "left"; g.font = "11px sans-serif";
    for (let r = first; r < last; r++) {
      const job = store.rows[r], y = AXIS + r * ROW - top + ROW / 2;
      if (!job) continue;
      g.fillStyle = job.status === "ERROR" ? c.error : job.status === "CANCELLED" ? c.cancelled : job.summary ? c.fg2 : c.fg;
      g.fillText(job.summary ? `${job.n} earlier jobs` : `${label(job).slice(-16)}  ${job.status[0]}`, 4, y);
    }
    g.fillStyle = c.bg; g.fillRect(0, 0, W, AXIS - 8);
    g.fillStyle = c.fg2; g.textAlign = "center";
    for (let tk = Math.ceil(view.t0 / step) * step; tk <= view.t1; tk += step) g.fillText(`${+tk.toFixed(6)}s`, x(tk), AXIS / 2 - 2);
    counts();
  }
  function counts() {  // also read by the browser tests
    root.dataset.jobs = String(store.jobs.length);
    root.dataset.ops = String(store.n);
    toolbar.querySelector(".qm-rows").textContent = `${store.jobs.length} jobs`;
  }
  const schedule = () => { if (!view.frame) view.frame = requestAnimationFrame(draw); };

  // The IBM instance's allowance (qmodes.accounting.allowance), when the widget shows ibm:<device> work.
  const allowanceHTML = (a) => !a ? "" : `<div class="qm-allowance" title="${esc(a.text)}">IBM allowance
      <b class="qm-remaining">${a.limit == null ? "unlimited" : fmt(a.remaining)}</b> remaining${a.limit == null ? "" : ` of ${fmt(a.limit)}`}
      <span class="qm-muted">(${fmt(a.consumed)} consumed${a.period ? `, period ${esc(a.period)}` : ""}; reported by IBM)</span></div>`;
  // Where the simulations run (qmodes.compute), when on a Dask cluster.
  const computeHTML = (c) => !c ? "" : `<div class="qm-compute">cluster <b>${c.workers}</b> worker${c.workers === 1 ? "" : "s"}
      · ${c.running} running · ${c.queued} queued · <b>${c.ahead}</b> simulated ahead
      <span class="qm-muted">(${esc(c.address)})</span>${c.dashboard ? ` <a href="${esc(c.dashboard)}" target="_blank" rel="noopener">dashboard</a>` : ""}</div>`;
  const setHTML = (node, html) => { if (node.__html !== html) { node.__html = html; node.innerHTML = html; } };
  function renderText() {
    const s = view.summary, ctl = model.get("controls");
    setHTML(header, (s.contexts || []).map((ctx) => `<div class="qm-ctx" data-context="${esc(ctx.id)}">
        <span class="qm-mode">${esc(ctx.mode)}</span><span class="qm-muted">${esc(ctx.id)}</span>
        <span>${esc(ctx.backend)}</span><span class="qm-status">${esc(ctx.status)}</span>
        <span class="qm-muted">max time <span class="qm-used"></span> of ${fmt(ctx.max_time)}</span>
        <span class="qm-muted qm-ttl"></span>
        ${ctl ? `<span><button class="qm-close" data-context="${esc(ctx.id)}" ${ctx.accepting_jobs && !ctx.closed ? "" : "disabled"}>Close</button><button class="qm-cancel" data-context="${esc(ctx.id)}" ${ctx.closed && !ctx.jobs.QUEUED ? "disabled" : ""}>Cancel</button></span>` : ""}</div>`).join("") + allowanceHTML(s.allowance) + computeHTML(s.compute));
    const parts = [...(s.contexts || []).map((ctx) => [ctx.mode, ctx]), ...(s.job_mode ? [["job mode", s.job_mode]] : [])];
    setHTML(usage, parts.map(([name, p]) => `<span class="qm-fig" title="${esc(p.usage.rule)}">Usage (${esc(name)}) <b>${fmt(p.usage.seconds)}</b><small>${esc(p.usage.rule)}; ${esc(p.usage.source)}</small></span>
      <span class="qm-fig">QPU <b>${fmt(p.qpu_seconds.seconds)}</b><small>${esc(p.qpu_seconds.source)}</small></span>
      <span class="qm-fig">Jobs ${Object.entries(p.jobs).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(" · ")}<small>from the timeline</small></span>`).join(""));
    setHTML(advice, advicePanel(model.get("advice") || {}));
    const load = s.load, loadKey = toolbar.querySelector(".qm-load-key");
    loadKey.hidden = !load;
    loadKey.title = load ? `${load.jobs} jobs of other users, ${fmt(load.seconds)} on the QPU; ${load.source}` : "";
    const job = store.rows[view.selected];
    selInfo.textContent = job && !job.summary ? `Selected ${label(job)}: ${job.status}` : "Click a row to select a job.";
    cancelJob.disabled = !ctl || !job || job.summary || FINAL.has(job.status);
    cancelJob.style.display = ctl ? "" : "none";
    message.textContent = model.get("message") || "";
    tick();
  }
  function tick() {  // the figures that move with the clock: max time used, TTL countdown
    const s = view.summary, t = now(), extra = s.live ? (performance.now() - view.received) / 1000 : 0;
    (s.contexts || []).forEach((ctx, i) => {
      const row = header.children[i];
      if (!row) return;
      row.querySelector(".qm-used").textContent = ctx.max_time_used == null ? "(not started)"
        : fmt(ctx.closed ? ctx.max_time_used : ctx.max_time_used + extra);
      row.querySelector(".qm-ttl").textContent = ctx.ttl_deadline == null ? ""
        : `idle, interactive TTL ${fmt(Math.max(0, ctx.ttl_deadline - t))} left`;
    });
  }

  function tooltip(r, px, py) {
    const job = store.rows[r];
    if (!job) { tip.style.display = "none"; return; }
    const t = now(), ctx = store.contexts[job.ci];
    if (job.summary) {
      tip.innerHTML = `<b>${job.n} earlier jobs, summarized</b> (QPU bands merged)<br>${Object.entries(job.counts).map(([k, v]) => `${v} ${esc(k.toLowerCase())}`).join(" · ")}`;
      tip.style.display = "block";
      tip.style.left = `${Math.min(px + 14, view.width - tip.offsetWidth - 4)}px`;
      tip.style.top = `${py + 14}px`;
      return;
    }
    const rows = job.spans.map(([k, s, e]) => `<tr><td>${k === 2 ? "QPU" : KINDS[k]}</td><td>${fmt((e === null ? t : e) - s)}${e === null ? " so far" : ""}</td></tr>`).join("");
    const why = job.wait ?? (view.summary.waits || {})[job.i], wait = waited(job, t);
    const still = !job.wait && why != null;
    tip.innerHTML = `<b class="qm-tip-id">${esc(label(job))}</b> <span class="qm-tip-status">${esc(job.status)}</span><br>
      ${esc(ctx ? `${ctx.mode} ${ctx.id}` : "job mode")} · ${esc(job.primitive)} · PUBs ${job.num_pubs ?? "–"} · shots ${job.shots ?? "–"}
      <table>${rows}</table>${wait > EPS ? `<div class="qm-tip-wait">${still ? "waiting" : "waited"} ${fmt(wait)}${still ? " so far" : ""} for the QPU${why ? `: <span class="qm-tip-why">${esc(why)}</span>` : ""}</div>` : ""}${job.error ? `<div style="color:var(--qm-error)">${esc(job.error)}</div>` : ""}`;
    tip.style.display = "block";
    tip.style.left = `${Math.min(px + 14, view.width - tip.offsetWidth - 4)}px`;
    const below = py + 14 + tip.offsetHeight <= chart.clientHeight;
    tip.style.top = `${below ? py + 14 : Math.max(0, py - tip.offsetHeight - 8)}px`;
  }

  const rowAt = (py) => (py < AXIS ? -1 : Math.floor((py - AXIS + scroll.scrollTop) / ROW));
  let drag = null;
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect(), px = e.clientX - r.left;
    view.follow = false;
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const dt = (e.deltaX / (view.width - GUTTER)) * (view.t1 - view.t0);
      view.t0 += dt; view.t1 += dt;
    } else {
      const f = Math.exp(e.deltaY * 0.0015), at = px > GUTTER ? tAt(px) : view.t0;
      view.t0 = at - (at - view.t0) * f; view.t1 = at + (view.t1 - at) * f;
    }
    schedule();
  }, { passive: false });
  canvas.addEventListener("mousedown", (e) => { drag = { x: e.clientX, y: e.clientY, t0: view.t0, t1: view.t1, top: scroll.scrollTop, moved: false }; });
  const onMove = (e) => {
    const r = canvas.getBoundingClientRect(), px = e.clientX - r.left, py = e.clientY - r.top;
    if (drag && e.buttons & 1) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        const dt = (dx / (view.width - GUTTER)) * (drag.t1 - drag.t0);
        view.t0 = drag.t0 - dt; view.t1 = drag.t1 - dt; view.follow = false;
        scroll.scrollTop = drag.top - dy; tip.style.display = "none"; schedule();
        return;
      }
    }
    if (px < 0 || py < 0 || px > view.width || py > r.height) return;
    const row = rowAt(py);
    if (row !== view.hover) { view.hover = row; schedule(); }
    tooltip(row, px, py);
  };
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; view.hover = -1; schedule(); });
  canvas.addEventListener("mouseup", (e) => {
    if (drag && !drag.moved) {
      const row = rowAt(e.clientY - canvas.getBoundingClientRect().top);
      view.selected = store.rows[row] ? row : -1; renderText(); schedule();
    }
    drag = null;
  });
  scroll.addEventListener("scroll", schedule);
  fit.addEventListener("click", () => { view.follow = true; schedule(); });
  cancelJob.addEventListener("click", () => {
    const job = store.rows[view.selected];
    if (job && !job.summary) model.send({ kind: "cancel_job", job_id: job.id, index: job.i });
  });
  header.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (b) model.send({ kind: b.classList.contains("qm-close") ? "close_context" : "cancel_context", context_id: b.dataset.context });
  });

  const onStore = () => { counts(); renderText(); schedule(); };
  const onSummary = () => { view.summary = model.get("summary") || {}; view.received = performance.now(); onStore(); };
  store.listeners.add(onStore);
  model.on("change:summary", onSummary);
  model.on("change:advice", renderText);
  model.on("change:message", renderText);
  model.on("change:height", schedule);
  const resize = new ResizeObserver(() => { view.width = Math.max(320, chart.clientWidth || 600); view.colors = null; schedule(); });
  resize.observe(chart);
  // A theme switch (JupyterLab's data-jp-theme-* on <body>; VS Code's class and --vscode-*
  // variables on <html>/<body>) changes the CSS variables without resizing: repaint the canvas.
  const theme = new MutationObserver(() => { view.colors = null; schedule(); });
  for (const node of [document.documentElement, document.body])
    theme.observe(node, { attributes: true, attributeFilter: ["class", "style", "data-jp-theme-name", "data-jp-theme-light", "data-vscode-theme-kind"] });
  const timer = setInterval(() => { if (view.summary.live) { tick(); schedule(); } }, 100);
  view.width = Math.max(320, chart.clientWidth || 600);
  onSummary();
  draw();
  el.__qmodes = { store, view, draw, x, receive: (d) => receive(store, d) };
  return () => { clearInterval(timer); resize.disconnect(); theme.disconnect(); store.listeners.delete(onStore); };
}

export default { initialize, render };
