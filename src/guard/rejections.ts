// The fixed answers guards give. Built once so a rejection on the hot path allocates nothing
// (limit_req's 429 adds a per-request Retry-After and is built where it is decided).
import type { Rejection } from './guard.js';

export const REASON = {
  accessDenied: 'access_denied',
  rateLimited: 'rate_limited',
  connLimited: 'conn_limited',
  bodyTooLarge: 'body_too_large',
  unauthorized: 'unauthorized',
} as const;

export const ACCESS_DENIED: Rejection = Object.freeze({ status: 403, reason: REASON.accessDenied });
export const BODY_TOO_LARGE: Rejection = Object.freeze({ status: 413, reason: REASON.bodyTooLarge });

export function connLimited(status: number): Rejection {
  return Object.freeze({ status, reason: REASON.connLimited });
}

export function rateLimited(status: number, retryAfterSeconds: number): Rejection {
  return { status, reason: REASON.rateLimited, headers: { 'retry-after': String(retryAfterSeconds) } };
}

export function unauthorized(realm: string): Rejection {
  const quoted = realm.replace(/["\\]/g, (c) => `\\${c}`);
  return Object.freeze({ status: 401, reason: REASON.unauthorized, headers: Object.freeze({ 'www-authenticate': `Basic realm="${quoted}"` }) });
}
