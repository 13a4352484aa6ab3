// The zhub status page: plain JavaScript, no build step. It polls the hub's JSON API for the
// visible tab only, every few seconds, a page of rows at a time.
import uPlot from '/ui/uplot.esm.js';

const REFRESH_MS = 3000;
const PAGE = 50;
const SEVERITY = ['clear', 'debug', 'info', 'warning', 'error', 'critical'];
const $ = (id) => document.getElementById(id);
let tab = 'daemons';
let timer;
let devicePage = 0;
let openDevice;

const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ago = (t, now = Date.now()) =>
  t ? `${Math.max(0, Math.round((now - t) / 1000))} s ago` : 'never';
const time = (t) => (t ? new Date(t).toLocaleTimeString() : '');

async function api(path, init) {
  const res = await fetch(`/api${path}`, { credentials: 'same-origin', ...init });
  if (res.status === 401) {
    showLogin();
    throw new Error('not logged in');
  }
  const body = res.status === 204 ? undefined : await res.json();
  if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  return body;
}

function showLogin() {
  clearTimeout(timer);
  $('tabs').hidden = true;
  for (const s of document.querySelectorAll('.tab')) s.hidden = true;
  $('login').hidden = false;
}

/** Who is logged in, and as what: an operator's page offers only what an operator may do. */
function showUser(me) {
  $('who').textContent = me.user;
  $('who').title = `role: ${me.role ?? 'admin'}`;
  document.body.dataset.role = me.role ?? 'admin';
  // The audit log is for admins: operators do not get the tab (nor the API route).
  $('audit-tab').hidden = (me.role ?? 'admin') !== 'admin';
}

async function renderAudit() {
  const r = await api('/audit?limit=200');
  $('audit-rows').innerHTML = r.entries
    .map(
      (e) =>
        `<tr><td>${esc(new Date(e.at).toLocaleString())}</td><td>${esc(e.user)}</td><td>${esc(e.action)}</td><td>${esc(e.target)}</td></tr>`,
    )
    .join('');
  $('audit-summary').textContent = `${r.entries.length} of ${r.total} changes, newest first`;
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: form.get('user'), password: form.get('password') }),
  });
  if (!res.ok) {
    $('login-error').textContent = (await res.json()).error?.message ?? 'login failed';
    return;
  }
  $('login-error').textContent = '';
  showUser(await res.json());
  start();
});

for (const b of document.querySelectorAll('#tabs button')) {
  b.addEventListener('click', () => {
    tab = b.dataset.tab;
    for (const o of document.querySelectorAll('#tabs button'))
      o.classList.toggle('active', o === b);
    start();
  });
}

function start() {
  $('login').hidden = true;
  $('tabs').hidden = false;
  for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== tab;
  clearTimeout(timer);
  void refresh();
}

async function refresh() {
  clearTimeout(timer);
  try {
    if (tab === 'daemons' || tab === 'services') await renderStatus();
    else if (tab === 'events') await renderEvents();
    else if (tab === 'devices') await renderDevices();
    else if (tab === 'audit') await renderAudit();
    $('problem').hidden = true;
  } catch (err) {
    if (err.message === 'not logged in') return;
    // Shown, not hidden in a console: the hub may be restarting or unreachable.
    $('problem').textContent = `could not refresh: ${err.message}`;
    $('problem').hidden = false;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

/** Items this daemon lost or had refused: spool drops and refusals, and the hub's refusals. */
function lossy(d) {
  const f = d.figures ?? {};
  return (f.spoolDropped ?? 0) + (f.spoolRefused ?? 0) + (d.refused ?? 0) > 0;
}

function lossText(d) {
  const f = d.figures ?? {};
  const parts = [];
  if (f.spoolDropped) parts.push(`${f.spoolDropped} dropped`);
  if (f.spoolRefused) parts.push(`${f.spoolRefused} spool-refused`);
  if (d.refused) parts.push(`${d.refused} hub-refused`);
  return parts.length ? esc(parts.join(', ')) : '0';
}

async function renderStatus() {
  const s = await api('/status?limit=200');
  // A hub reachable over the network without TLS says so on every page.
  const warn = s.security?.warning;
  $('insecure').hidden = !warn;
  if (warn) $('insecure').textContent = `Not secure: ${warn}`;
  const shown = s.daemons.length < s.daemonsTotal ? ` (showing ${s.daemons.length})` : '';
  $('daemons-summary').textContent =
    `${s.daemonsConnected} connected, ${s.daemonsTotal - s.daemonsConnected} recently gone${shown}; store: ${s.store.samples} samples, ${s.store.events.rows} events`;
  $('daemons-rows').innerHTML = s.daemons
    .map((d) => {
      const f = d.figures ?? {};
      const dup = d.duplicate
        ? `; refused a second spool under this name from ${d.duplicate.address} ${ago(d.duplicate.at, s.now)} (${d.duplicate.count}×)`
        : '';
      const state = `${d.connected ? `connected ${ago(d.connectedSince, s.now)}` : `left ${ago(d.leftAt, s.now)}`}${dup}`;
      return `<tr class="${d.connected ? '' : 'gone'}" data-daemon="${esc(d.daemon)}">
        <td>${esc(d.daemon)}</td><td>${esc(d.type)}</td><td>${esc(d.monitor)}</td><td>${esc(d.address)}</td><td>${esc(d.hub)}</td><td class="${d.duplicate ? 'overdue' : ''}">${esc(state)}</td>
        <td class="${d.heartbeatOverdue ? 'overdue' : ''}">${ago(d.lastHeartbeat, s.now)}${d.heartbeatOverdue ? ' (overdue)' : ''}</td>
        <td>${esc(f.generation)}</td><td>${esc(f.spoolDepth)}</td><td>${f.spoolOldestAgeMs ? `${Math.round(f.spoolOldestAgeMs / 1000)} s` : ''}</td>
        <td>${f.tasks === undefined ? '' : `${f.tasksRunning} / ${f.tasksQueued} of ${f.tasks}`}</td><td>${esc(f.missedRuns)}</td>
        <td class="${lossy(d) ? 'overdue' : ''}">${lossText(d)}</td></tr>`;
    })
    .join('');
  $('services-summary').textContent =
    `${s.services.length} service instances; ${s.daemons.reduce((n, d) => n + (d.inFlight ?? 0), 0)} calls in flight`;
  $('services-rows').innerHTML = s.methods
    .map(
      (m) =>
        `<tr><td>${esc(m.service)}</td><td>${esc(m.method)}</td><td>${m.calls}</td><td>${m.errors}</td><td>${m.inFlight}</td><td>${m.p50Ms} ms</td><td>${m.p99Ms} ms</td></tr>`,
    )
    .join('');
  renderLanes(s.lanes);
}

/** The worker lanes and each worker's call, live (ZenHub's worker report). */
function renderLanes(l) {
  if (!l) return;
  const r = l.restarts;
  $('lanes-summary').textContent = l.active
    ? `${l.workers.length} of ${l.threads} worker threads running; replaced: ${r.recycled} recycled, ${r.deadline} at a deadline, ${r.died} died, ${r.startFailed} failed to start`
    : `Off: ${l.reason}`;
  $('lanes-table').hidden = !l.active;
  $('workers-table').hidden = !l.active;
  $('lanes-rows').innerHTML = l.lanes
    .map(
      (x) =>
        `<tr><td>${esc(x.name)}</td><td>${x.weight}</td><td>${x.queued}</td><td>${x.running}</td><td>${x.completed}</td><td class="${x.refused ? 'overdue' : ''}">${x.refused}</td><td class="${x.timeouts ? 'overdue' : ''}">${x.timeouts}</td><td>${x.retried}</td><td>${x.deadlineMs} ms</td></tr>`,
    )
    .join('');
  $('workers-rows').innerHTML = l.workers
    .map((w) => {
      const run = w.running
        ? `${w.running.service}.${w.running.method} (${w.running.monitor}${w.running.daemon ? `, ${w.running.daemon}` : ''}) for ${w.running.ms} ms`
        : '';
      return `<tr data-worker="${w.id}"><td>${w.id}</td><td>${esc(w.state)}</td><td>${w.calls}</td><td>${Math.round(w.heapBytes / 1048576)} MiB</td><td>${esc(run)}</td></tr>`;
    })
    .join('');
}

async function renderEvents() {
  const q = new URLSearchParams({
    state: $('event-state').value,
    minSeverity: $('event-severity').value,
    limit: String(PAGE),
  });
  if ($('event-device').value) q.set('device', $('event-device').value);
  const r = await api(`/events?${q}`);
  $('events-summary').textContent = `${r.events.length} of ${r.total}`;
  $('events-rows').innerHTML = r.events
    .map(
      (
        e,
      ) => `<tr data-event="${e.id}"><td><span class="sev sev${e.severity}">${SEVERITY[e.severity]}</span></td><td>${e.count}</td>
        <td>${esc(e.device)}</td><td>${esc(e.component)}</td><td>${esc(e.summary)}</td><td>${time(e.firstTime)}</td><td>${time(e.lastTime)}</td><td>${e.state}</td>
        <td>${e.state === 'open' ? `<button data-act="acknowledge" data-id="${e.id}">Ack</button>` : ''}${e.state !== 'closed' ? `<button data-act="close" data-id="${e.id}">Close</button>` : ''}</td></tr>`,
    )
    .join('');
}

$('events-rows').addEventListener('click', async (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  await api(`/events/${b.dataset.act}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [Number(b.dataset.id)] }),
  });
  void refresh();
});
for (const id of ['event-severity', 'event-state', 'event-device'])
  $(id).addEventListener('change', () => void refresh());

async function renderDevices() {
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(devicePage * PAGE) });
  if ($('device-search').value) q.set('search', $('device-search').value);
  const r = await api(`/devices?${q}`);
  $('device-page').textContent =
    ` ${devicePage * PAGE + 1}–${devicePage * PAGE + r.devices.length} of ${r.total} `;
  $('devices-rows').innerHTML = r.devices
    .map(
      (d) =>
        `<tr class="clickable" data-device="${esc(d.id)}"><td>${esc(d.id)}</td><td>${esc(d.title)}</td><td>${esc(d.address)}</td><td>${esc(d.collector)}</td><td>${d.datasources.length}</td></tr>`,
    )
    .join('');
  if (openDevice) await renderCharts();
}

$('device-search').addEventListener('change', () => ((devicePage = 0), void refresh()));
$('device-prev').addEventListener(
  'click',
  () => ((devicePage = Math.max(0, devicePage - 1)), void refresh()),
);
$('device-next').addEventListener('click', () => ((devicePage += 1), void refresh()));
$('chart-window').addEventListener('change', () => void refresh());
$('devices-rows').addEventListener('click', (e) => {
  const row = e.target.closest('tr[data-device]');
  if (!row) return;
  openDevice = row.dataset.device;
  $('charts').innerHTML = '';
  void refresh();
});

const charts = new Map();

async function renderCharts() {
  $('device-detail').hidden = false;
  $('device-title').textContent = openDevice;
  const windowMs = Number($('chart-window').value);
  const to = Date.now();
  const from = to - windowMs;
  const step = Math.max(1000, Math.round(windowMs / 400));
  const { series } = await api(`/metrics/series?device=${encodeURIComponent(openDevice)}`);
  for (const s of series.slice(0, 24)) {
    const key = `${openDevice}|${s.component}|${s.metric}`;
    const q = new URLSearchParams({
      device: openDevice,
      metric: s.metric,
      component: s.component,
      from: String(from),
      to: String(to),
      step: String(step),
    });
    const { points } = await api(`/metrics?${q}`);
    const data = [points.map((p) => p.t / 1000), points.map((p) => p.v)];
    let c = charts.get(key);
    if (!c || !document.body.contains(c.root)) {
      const box = document.createElement('div');
      box.className = 'chart';
      box.dataset.series = key;
      box.innerHTML = `<h3>${esc(s.metric)}${s.component ? ` <small>${esc(s.component)}</small>` : ''}</h3>`;
      $('charts').appendChild(box);
      const plot = new uPlot(
        {
          width: 400,
          height: 160,
          series: [{}, { label: s.metric, stroke: '#1e88e5', width: 1.5 }],
          axes: [{}, { size: 60 }],
        },
        data,
        box,
      );
      c = { root: box, plot };
      charts.set(key, c);
    } else {
      c.plot.setData(data);
    }
    c.root.dataset.points = String(points.length);
  }
}

void (async () => {
  try {
    const r = await fetch('/api/session', { credentials: 'same-origin' });
    if (r.ok) {
      showUser(await r.json());
      start();
    } else showLogin();
  } catch {
    showLogin();
  }
})();
