// `wharf status` as the aligned tables PM2 users expect.
import type { WharfStatus } from '../control/status.js';
import type { InstanceStatus } from '../supervise/status.js';

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

export function formatBytes(bytes: number): string {
  if (!bytes) return '-';
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)}k`;
  return `${(bytes / 1024 / 1024).toFixed(1)}MB`;
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Empty for a ready instance; else what it waits for or why it stopped. */
function whyNotReady(instance: InstanceStatus): string {
  if (instance.ready) return '';
  if (instance.state === 'starting' && instance.waiting_for) return `waiting for ${instance.waiting_for}`;
  return instance.reason ?? '';
}

export function formatStatus(status: WharfStatus): string {
  const out: string[] = [];
  const appRows = status.apps.flatMap((app) =>
    app.instances.map((i) => [app.name, String(i.id), String(i.pid ?? '-'), String(i.port ?? '-'), i.state, String(i.restarts), formatDuration(i.uptimeMs), formatBytes(i.rssBytes), whyNotReady(i)]),
  );
  if (appRows.length) out.push(table(['APP', 'INSTANCE', 'PID', 'PORT', 'STATE', 'RESTARTS', 'UPTIME', 'RSS', 'WHY NOT READY'], appRows));
  const stderr = status.apps.flatMap((app) =>
    app.instances.flatMap((i) => (i.last_stderr?.length ? [`${app.name}.${i.id} last stderr:\n${i.last_stderr.map((l) => `  ${l}`).join('\n')}`] : [])),
  );
  if (stderr.length) out.push(stderr.join('\n'));
  const serverRows = status.upstreams.flatMap((u) =>
    u.servers.map((s) => [u.name, s.address, String(s.weight), s.backup ? 'backup' : s.down ? 'down' : 'primary', s.healthy ? 'up' : 'DOWN', String(s.active), String(s.fails)]),
  );
  if (serverRows.length) out.push(table(['UPSTREAM', 'SERVER', 'WEIGHT', 'ROLE', 'HEALTH', 'ACTIVE', 'FAILS'], serverRows));
  const services = servicesTable(status);
  if (services) out.push(services);
  if (out.length === 0) out.push('no apps and no upstreams configured');
  return `${out.join('\n\n')}\n`;
}

/** Registry services: one row per instance, its check states; long lists are cut. */
const MAX_SERVICE_ROWS = 50;

function servicesTable(status: WharfStatus): string | undefined {
  const rows = (status.services ?? []).flatMap((service) =>
    service.instances.map((i) => [
      service.name,
      i.id,
      `${i.address}:${i.port}`,
      i.status,
      i.origin,
      i.tags.join(',') || '-',
      i.checks.map((c) => `${c.type || 'set'}:${c.status}`).join(' ') || '-',
    ]),
  );
  if (rows.length === 0) return undefined;
  const shown = table(['SERVICE', 'INSTANCE', 'ADDRESS', 'STATUS', 'ORIGIN', 'TAGS', 'CHECKS'], rows.slice(0, MAX_SERVICE_ROWS));
  return rows.length > MAX_SERVICE_ROWS ? `${shown}\n... and ${rows.length - MAX_SERVICE_ROWS} more instances (GET /v1/agent/services lists all)` : shown;
}
