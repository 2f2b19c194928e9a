// The wharf dashboard: reads GET /api/status (every 2 s and after state changes), listens to
// GET /api/events (live rates each second, instance/health/reload/alert events), and sends
// app actions with the control token when one is needed. Rows are updated in place, keyed by
// name, so 100 routes and 50 instances stay cheap to refresh.
import { LineChart } from './chart.js';
import { el, formatBytes, formatDuration, formatRate, syncChildren, setText } from './dom.js';

const STATUS_EVERY_MS = 2000;
const MAX_EVENTS = 80;

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

// ---- control API ----------------------------------------------------------------------

function token() {
  return sessionStorage.getItem('wharf-token') ?? '';
}

async function api(method, path) {
  // Ask before sending when the token is known to be needed: no 401 round trip.
  if (method !== 'GET' && !token() && state.status?.control?.token_required) {
    if (!(await askToken())) throw new Error('a control token is needed for this action');
  }
  const headers = {};
  if (token()) headers.authorization = `Bearer ${token()}`;
  let response = await fetch(path, { method, headers });
  if (response.status === 401 && method !== 'GET') {
    sessionStorage.removeItem('wharf-token');
    if (!(await askToken())) throw new Error('a control token is needed for this action');
    response = await fetch(path, { method, headers: { authorization: `Bearer ${token()}` } });
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? `${method} ${path}: HTTP ${response.status}`);
  return body;
}

function askToken() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  input.value = token();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue === 'save') {
          sessionStorage.setItem('wharf-token', input.value.trim());
          resolve(input.value.trim() !== '');
        } else {
          resolve(false);
        }
      },
      { once: true },
    );
    dialog.showModal();
  });
}

function notice(text, isError = false) {
  const box = document.getElementById('notice');
  box.textContent = text;
  box.classList.toggle('error', isError);
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (box.hidden = true), isError ? 10000 : 4000);
}

async function action(button, method, path, done) {
  button.disabled = true;
  try {
    await api(method, path);
    notice(done);
  } catch (error) {
    notice(error.message, true);
  } finally {
    button.disabled = false;
    refreshSoon();
  }
}

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
}

// ---- apps ---------------------------------------------------------------------------------

function renderApps(apps) {
  const container = document.getElementById('apps');
  setText(document.getElementById('apps-count'), `(${apps.length})`);
  document.getElementById('apps-empty').hidden = apps.length > 0;
  syncChildren(container, apps, (app) => `app:${app.name}`, createApp, updateApp);
}

function createApp(app) {
  const restart = el('button', { type: 'button', class: 'restart' }, 'restart');
  const reload = el('button', { type: 'button', class: 'reload' }, 'reload');
  const count = el('input', { type: 'number', min: '0', step: '1', class: 'scale-count', 'aria-label': `instances of ${app.name}` });
  const scale = el('button', { type: 'button', class: 'scale' }, 'scale');
  const name = encodeURIComponent(app.name);
  restart.addEventListener('click', () => action(restart, 'POST', `/api/apps/${name}/restart`, `${app.name}: restarted`));
  reload.addEventListener('click', () => action(reload, 'POST', `/api/apps/${name}/reload`, `${app.name}: rolling reload done`));
  scale.addEventListener('click', () => {
    void action(scale, 'POST', `/api/apps/${name}/scale?instances=${encodeURIComponent(count.value)}`, `${app.name}: scaled to ${count.value}`).then(() => delete count.dataset.edited);
  });
  count.value = String(app.instances.length);
  const body = el('tbody');
  const node = el(
    'div',
    { class: 'app', 'data-app': app.name },
    el('div', { class: 'app-head' }, el('h3', {}, app.name), el('span', { class: 'summary muted' }), el('div', { class: 'app-actions' }, restart, reload, count, scale)),
    el(
      'div',
      { class: 'scroll' },
      el(
        'table',
        { class: 'grid instances' },
        el('thead', {}, el('tr', {}, ...['id', 'state', 'pid', 'port', 'restarts', 'RSS', 'CPU s', 'uptime'].map((h, i) => el('th', i >= 4 ? { class: 'num' } : {}, h)))),
        body,
      ),
    ),
  );
  node.parts = { body, count };
  return node;
}

function updateApp(node, app) {
  const ready = app.instances.filter((i) => i.ready).length;
  setText(node.querySelector('.summary'), `${ready}/${app.instances.length} ready`);
  if (document.activeElement !== node.parts.count && node.parts.count.dataset.edited !== '1') node.parts.count.value = String(app.instances.length);
  const seen = new Map();
  const rows = app.instances.map((instance) => {
    const n = seen.get(instance.id) ?? 0;
    seen.set(instance.id, n + 1);
    return { key: `${instance.id}/${n}`, instance };
  });
  syncChildren(node.parts.body, rows, (row) => row.key, (row) => createInstance(app.name, row.instance), (tr, row) => updateInstance(tr, row.instance));
}

function createInstance(app, instance) {
  const cells = {
    id: el('td', {}, String(instance.id)),
    state: el('td', {}, el('span', { class: 'badge' })),
    pid: el('td', { class: 'pid' }),
    port: el('td', { class: 'port' }),
    restarts: el('td', { class: 'num restarts' }),
    rss: el('td', { class: 'num rss' }),
    cpu: el('td', { class: 'num cpu' }),
    uptime: el('td', { class: 'num uptime' }),
  };
  const tr = el('tr', { 'data-app': app, 'data-instance': String(instance.id) }, ...Object.values(cells));
  tr.cells$ = cells;
  return tr;
}

function updateInstance(tr, instance) {
  const c = tr.cells$;
  const badge = c.state.firstChild;
  setText(badge, instance.state);
  badge.className = `badge ${instance.state}`;
  if (instance.reason) badge.title = instance.reason;
  setText(c.pid, instance.pid === null ? '–' : String(instance.pid));
  setText(c.port, instance.port === null ? '–' : String(instance.port));
  setText(c.restarts, String(instance.restarts));
  setText(c.rss, instance.rssBytes ? formatBytes(instance.rssBytes) : '–');
  setText(c.cpu, instance.cpuSeconds ? instance.cpuSeconds.toFixed(1) : '–');
  setText(c.uptime, instance.uptimeMs ? formatDuration(instance.uptimeMs) : '–');
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

// ---- upstreams ----------------------------------------------------------------------------

function renderUpstreams(upstreams) {
  setText(document.getElementById('upstreams-count'), `(${upstreams.length})`);
  syncChildren(document.getElementById('upstreams'), upstreams, (u) => `upstream:${u.name}`, createUpstream, updateUpstream);
}

function createUpstream(upstream) {
  const body = el('tbody');
  const node = el(
    'div',
    { class: 'upstream', 'data-upstream': upstream.name },
    el('div', { class: 'upstream-head' }, el('h3', {}, upstream.name), el('span', { class: 'summary muted' })),
    el(
      'table',
      { class: 'grid servers' },
      el('thead', {}, el('tr', {}, ...['server', 'health', 'in flight', 'latency ms', 'fails', 'requests', 'weight'].map((h, i) => el('th', i >= 2 ? { class: 'num' } : {}, h)))),
      body,
    ),
  );
  node.parts = { body };
  return node;
}

function updateUpstream(node, upstream) {
  const healthy = upstream.servers.filter((s) => s.healthy).length;
  setText(node.querySelector('.summary'), `${upstream.kind} · ${upstream.balance} · ${healthy}/${upstream.servers.length} healthy`);
  syncChildren(
    node.parts.body,
    upstream.servers,
    (s) => s.address,
    (s) => {
      const tr = el('tr', { 'data-server': s.address }, el('td', {}, s.address), el('td', {}, el('span', { class: 'badge' })), ...[0, 1, 2, 3, 4].map(() => el('td', { class: 'num' })));
      return tr;
    },
    (tr, s) => {
      const [, health, active, latency, fails, requests, weight] = tr.children;
      const label = s.down ? 'down' : s.healthy ? 'healthy' : 'unhealthy';
      setText(health.firstChild, label);
      health.firstChild.className = `badge ${s.healthy ? 'healthy' : 'down'}`;
      setText(active, String(s.active));
      setText(latency, s.latency_ms ? String(s.latency_ms) : '–');
      setText(fails, String(s.fails));
      setText(requests, String(s.requests));
      setText(weight, s.backup ? `${s.weight} (backup)` : String(s.weight));
    },
  );
}

// ---- live events ----------------------------------------------------------------------------

function logEvent(text) {
  const list = document.getElementById('events');
  const time = new Date().toLocaleTimeString();
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
    setText(document.getElementById('chart-rps-now'), formatRate(data.totals.rps));
    setText(document.getElementById('chart-errors-now'), `${(data.totals.errorRate * 100).toFixed(1)}%`);
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
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.classList.remove('off');
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting';
    live.classList.add('off');
  });
  source.addEventListener('rates', (e) => onRates(JSON.parse(e.data)));
  source.addEventListener('instance', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.app}[${d.id}] ${d.from} → ${d.to}${d.pid ? ` pid ${d.pid}` : ''}${d.reason ? ` (${d.reason})` : ''}`);
    refreshSoon();
  });
  source.addEventListener('health', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.pool} ${d.peer} ${d.healthy ? 'healthy' : 'unhealthy'}${d.reason ? ` (${d.reason})` : ''}`);
    refreshSoon();
  });
  source.addEventListener('reload', (e) => {
    const d = JSON.parse(e.data);
    logEvent(d.ok ? `config reloaded (${String(d.hash).slice(0, 12)})` : `config reload rejected: ${(d.errors ?? []).join('; ')}`);
    refreshSoon();
  });
  source.addEventListener('rejections', (e) => {
    const d = JSON.parse(e.data);
    logEvent(`${d.total} rejected: ${d.routes.map((r) => `${r.route} ${r.reason}×${r.count}`).join(', ')}`);
  });
  source.addEventListener('alert', (e) => {
    const d = JSON.parse(e.data);
    const id = `${d.alert}:${d.key}`;
    if (d.status === 'firing') state.incidents.set(id, d);
    else state.incidents.delete(id);
    logEvent(`alert ${d.status}: ${d.summary}`);
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
  document.getElementById('token-button').addEventListener('click', () => void askToken());
  document.getElementById('apps').addEventListener('input', (event) => {
    if (event.target.classList.contains('scale-count')) event.target.dataset.edited = '1';
  });
}

setupHeader();
setupRouteControls();
await Promise.all([refresh(), loadHistory().catch(() => undefined), loadAlerts().catch(() => undefined)]);
connect();
