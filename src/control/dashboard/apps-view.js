// The apps panel: one block per app (restart / reload / scale buttons) with a row per instance
// (state, pid, port, restarts, RSS, CPU, uptime), updated in place.
import { action } from './control-api.js';
import { el, formatBytes, formatDuration, setText, syncChildren } from './dom.js';

export function renderApps(apps) {
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
