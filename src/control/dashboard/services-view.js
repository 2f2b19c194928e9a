// The registry panel: each service with its instances (address, origin, tags) and check
// states; only the first instances of a long list are drawn.
import { el, setText, syncChildren } from './dom.js';

const MAX_INSTANCES = 50;
const BADGE = { passing: 'healthy', warning: 'stopping', critical: 'down' };

export function renderServices(services = []) {
  setText(document.getElementById('services-count'), `(${services.length})`);
  syncChildren(document.getElementById('services'), services, (s) => `service:${s.name}`, createService, updateService);
}

function createService(service) {
  const body = el('tbody');
  const node = el(
    'div',
    { class: 'upstream', 'data-service': service.name },
    el('div', { class: 'upstream-head' }, el('h3', {}, service.name), el('span', { class: 'summary muted' })),
    el('table', { class: 'grid servers' }, el('thead', {}, el('tr', {}, ...['instance', 'address', 'status', 'origin', 'tags', 'checks'].map((h) => el('th', {}, h)))), body),
  );
  node.parts = { body };
  return node;
}

function updateService(node, service) {
  const more = service.instances.length > MAX_INSTANCES ? ` · first ${MAX_INSTANCES} shown` : '';
  setText(node.querySelector('.summary'), `${service.passing} passing · ${service.warning} warning · ${service.critical} critical${more}`);
  syncChildren(
    node.parts.body,
    service.instances.slice(0, MAX_INSTANCES),
    (i) => i.id,
    (i) => el('tr', { 'data-instance': i.id }, el('td', {}, i.id), el('td'), el('td', {}, el('span', { class: 'badge' })), el('td'), el('td'), el('td', { class: 'muted' })),
    (tr, i) => {
      const [, address, status, origin, tags, checks] = tr.children;
      setText(address, `${i.address}:${i.port}`);
      setText(status.firstChild, i.status);
      status.firstChild.className = `badge ${BADGE[i.status] ?? ''}`;
      setText(origin, i.origin);
      setText(tags, i.tags.join(', ') || '–');
      setText(checks, i.checks.map((c) => `${c.name}: ${c.status}${c.output ? ` (${c.output})` : ''}`).join('; ') || '–');
    },
  );
}
