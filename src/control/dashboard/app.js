// The wharf dashboard: reads GET /api/status (every 2 s and after state changes), listens to
// GET /api/events (live rates each second, instance/health/reload/alert events), and sends
// app actions on the browser session the login page opened. Rows are updated in place, keyed by
// name, so 100 routes and 50 instances stay cheap to refresh.
import { LineChart } from './chart.js';
import { el, formatRate, syncChildren, setText } from './dom.js';
import { action, sessionEnded, settings } from './control-api.js';
import { renderApps } from './apps-view.js';
import { renderUpstreams } from './upstreams-view.js';
import { loadRollouts } from './rollouts-view.js';
import { renderServices } from './services-view.js';

const STATUS_EVERY_MS = 2000;
/** As many as the event stream replays to a new page. */
const MAX_EVENTS = 100;

const state = {
  status: null,
  /** route name -> { rps, errorRate, p99Ms } from the event stream */
  rates: new Map(),
  sort: { key: 'name', asc: true },
  filter: '',
  incidents: new Map(),
};

const charts = {
  rps: new LineChart(document.getElementById('chart-rps'), { color: '#2f6fde', format: (v) => formatRate(v) }),
  errors: new LineChart(document.getElementById('chart-errors'), { color: '#d64545', format: (v) => formatRate(v) }),
  p99: new LineChart(document.getElementById('chart-p99'), { color: '#c98a00', format: (v) => (v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10)) }),
};

// ---- status -----------------------------------------------------------------------------

let refreshTimer;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

async function refresh() {
  clearTimeout(refreshTimer);
  try {
    const response = await fetch('/api/status', { cache: 'no-store' });
    if (sessionEnded(response)) return;
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    state.status = await response.json();
    render();
  } catch (error) {
    setText(document.getElementById('config'), `status unavailable: ${error.message}`);
  } finally {
    refreshTimer = setTimeout(refresh, STATUS_EVERY_MS);
  }
}

function render() {
  const status = state.status;
  if (!status) return;
  setText(document.getElementById('config'), `${status.config.file} · ${status.config.hash.slice(0, 12)}`);
  renderApps(status.apps);
  renderRoutes(status.routes);
  renderUpstreams(status.upstreams);
  void loadRollouts(status.apps);
  renderServices(status.services);
}

// ---- routes -------------------------------------------------------------------------------

function routeRate(route) {
  const live = state.rates.get(route.name);
  if (live) return { rps: live.rps, error_rate: live.errorRate, p99_ms: live.p99Ms };
  return route.rate ?? { rps: 0, error_rate: 0, p99_ms: null };
}

function renderRoutes(routes) {
  const body = document.querySelector('#routes tbody');
  setText(document.getElementById('routes-count'), `(${routes.length})`);
  const { key, asc } = state.sort;
  const filter = state.filter.toLowerCase();
  const rows = routes
    .filter((route) => !filter || route.name.toLowerCase().includes(filter) || route.target.toLowerCase().includes(filter))
    .map((route) => ({ route, rate: routeRate(route) }));
  rows.sort((a, b) => {
    const av = key in a.rate ? a.rate[key] ?? -1 : a.route[key];
    const bv = key in b.rate ? b.rate[key] ?? -1 : b.route[key];
    const order = typeof av === 'number' ? av - bv : String(av).localeCompare(String(bv), undefined, { numeric: true });
    return asc ? order : -order;
  });
  syncChildren(body, rows, (row) => row.route.name, createRoute, updateRoute);
}

function createRoute(row) {
  const cells = {
    name: el('td', { class: 'name' }, row.route.name),
    target: el('td', { class: 'target muted' }, row.route.target),
    rps: el('td', { class: 'num rps' }),
    errors: el('td', { class: 'num errors' }),
    p99: el('td', { class: 'num p99' }),
  };
  const tr = el('tr', { 'data-route': row.route.name }, ...Object.values(cells));
  tr.cells$ = cells;
  return tr;
}

function updateRoute(tr, row) {
  const c = tr.cells$;
  setText(c.target, row.route.target);
  setText(c.rps, formatRate(row.rate.rps));
  setText(c.errors, `${(row.rate.error_rate * 100).toFixed(1)}`);
  c.errors.classList.toggle('bad', row.rate.error_rate > 0.01);
  setText(c.p99, row.rate.p99_ms === null ? '–' : String(row.rate.p99_ms));
}

function setupRouteControls() {
  for (const th of document.querySelectorAll('#routes th[data-sort]')) {
    th.addEventListener('click', () => {
      const key = th.dataset.sort;
      state.sort = { key, asc: state.sort.key === key ? !state.sort.asc : key === 'name' || key === 'target' };
      for (const other of document.querySelectorAll('#routes th')) other.classList.remove('sorted', 'asc');
      th.classList.add('sorted');
      th.classList.toggle('asc', state.sort.asc);
      if (state.status) renderRoutes(state.status.routes);
    });
  }
  document.getElementById('routes-filter').addEventListener('input', (event) => {
    state.filter = event.target.value;
    if (state.status) renderRoutes(state.status.routes);
  });
}

// ---- live events ----------------------------------------------------------------------------

/** `at`: when it happened (ms), which for replayed events is before the page loaded. */
function logEvent(text, at = Date.now()) {
  const list = document.getElementById('events');
  const time = new Date(at).toLocaleTimeString();
  list.prepend(el('li', {}, el('time', {}, time), text));
  while (list.children.length > MAX_EVENTS) list.lastChild.remove();
}

function onRates(data) {
  state.rates = new Map(data.routes.map((r) => [r.route, r]));
  setText(document.getElementById('total-rps'), formatRate(data.totals.rps));
  setText(document.getElementById('total-errors'), `${(data.totals.errorRate * 100).toFixed(1)}%`);
  setText(document.getElementById('total-p99'), data.totals.p99Ms === null ? '–' : `${data.totals.p99Ms} ms`);
  if (data.second) {
    charts.rps.push(data.second.t, data.second.requests);
    charts.errors.push(data.second.t, data.second.errors);
    charts.p99.push(data.second.t, data.second.p99Ms);
    setText(document.getElementById('chart-rps-now'), `${formatRate(data.totals.rps)}/s`);
    // The chart counts 5xx answers per second; its caption's figure is in the same unit.
    setText(document.getElementById('chart-errors-now'), `${formatRate(data.totals.rps * data.totals.errorRate)}/s`);
    setText(document.getElementById('chart-p99-now'), data.totals.p99Ms === null ? '' : `${data.totals.p99Ms} ms`);
  }
  if (state.status) renderRoutes(state.status.routes);
}

function renderAlerts() {
  const section = document.getElementById('alerts-section');
  const list = document.getElementById('alerts');
  section.hidden = state.incidents.size === 0;
  syncChildren(list, [...state.incidents.values()], (a) => `${a.alert}:${a.key}`, (a) => el('li', {}, a.summary), (li, a) => setText(li, a.summary));
}

function connect() {
  const live = document.getElementById('live');
  const source = new EventSource('/api/events');
  let opened = false;
  source.addEventListener('open', () => {
    opened = true;
    live.textContent = 'live';
    live.classList.remove('off');
  });
  source.addEventListener('error', () => {
    live.textContent = opened ? 'reconnecting' : 'offline';
    live.classList.add('off');
  });
  source.addEventListener('rates', (e) => onRates(JSON.parse(e.data)));
  source.addEventListener('instance', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.app}[${d.id}] ${d.from} → ${d.to}${d.pid ? ` pid ${d.pid}` : ''}${d.reason ? ` (${d.reason})` : ''}`, d.at);
    refreshSoon();
  });
  source.addEventListener('health', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.pool} ${d.peer} ${d.healthy ? 'healthy' : 'unhealthy'}${d.reason ? ` (${d.reason})` : ''}`, d.at);
    refreshSoon();
  });
  source.addEventListener('reload', (e) => {
    const d = JSON.parse(e.data);
    logEvent(d.ok ? `config reloaded (${String(d.hash).slice(0, 12)})` : `config reload rejected: ${(d.errors ?? []).join('; ')}`, d.at);
    refreshSoon();
  });
  source.addEventListener('rejections', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.total} rejected: ${d.routes.map((r) => `${r.route} ${r.reason}×${r.count}`).join(', ')}`);
  });
  source.addEventListener('rollout', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.app} release #${d.release} ${d.from} → ${d.to}${d.reason ? ` (${d.reason})` : ''}`);
    refreshSoon();
  });
  source.addEventListener('alert', (e) => {
    const d = JSON.parse(e.data);
    const id = `${d.alert}:${d.key}`;
    if (d.status === 'firing') state.incidents.set(id, d);
    else state.incidents.delete(id);
    logEvent(`alert ${d.status}: ${d.summary}`, d.at);
    renderAlerts();
  });
}

async function loadHistory() {
  const response = await fetch('/api/history', { cache: 'no-store' });
  if (!response.ok) return;
  const h = await response.json();
  charts.rps.setData(h.start, h.step, h.rps);
  charts.errors.setData(h.start, h.step, h.errors);
  charts.p99.setData(h.start, h.step, h.p99Ms);
}

async function loadAlerts() {
  const response = await fetch('/api/alerts', { cache: 'no-store' });
  if (!response.ok) return;
  for (const incident of (await response.json()).incidents) state.incidents.set(`${incident.alert}:${incident.key}`, incident);
  renderAlerts();
}

function setupHeader() {
  const reload = document.getElementById('reload-config');
  reload.addEventListener('click', () => action(reload, 'POST', '/api/reload', 'config reloaded'));
  document.getElementById('apps').addEventListener('input', (event) => {
    if (event.target.classList.contains('scale-count')) event.target.dataset.edited = '1';
  });
}

settings.afterAction = refreshSoon;
setupHeader();
setupRouteControls();
await Promise.all([refresh(), loadHistory().catch(() => undefined), loadAlerts().catch(() => undefined)]);
connect();
