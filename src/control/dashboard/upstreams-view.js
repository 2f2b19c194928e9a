// The upstreams panel: one table per upstream or app pool with each server's health, in-flight
// requests, latency, failures and weight.
import { el, setText, syncChildren } from './dom.js';

export function renderUpstreams(upstreams) {
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
