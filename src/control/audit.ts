// What the audit trail records of a control request: who asked, what, on what, and how it ended.
import type { IncomingMessage } from 'node:http';
import type { AuditEvent } from '../observe/events.js';

const TARGETED = /^\/(?:api\/apps|v1\/agent\/service\/deregister|v1\/agent\/check\/(?:pass|warn|fail|update))\/([^/?]+)/;

/** Requests that change something are audited when they end; reads only when refused. */
export function isMutating(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

export function auditEntry(
  req: IncomingMessage,
  url: URL,
  status: number,
  outcome: AuditEvent['outcome'],
  extra: { via?: string; reason?: string } = {},
): AuditEvent {
  const match = TARGETED.exec(url.pathname);
  let target: string | undefined;
  try {
    target = match ? decodeURIComponent(match[1]!) : undefined;
  } catch {
    target = match?.[1];
  }
  const client = req.socket.remoteAddress ?? '';
  return {
    client: client.startsWith('::ffff:') ? client.slice(7) : client,
    method: req.method ?? 'GET',
    path: url.pathname,
    ...(target !== undefined ? { target } : {}),
    status,
    outcome,
    ...(extra.via ? { via: extra.via } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
  };
}
