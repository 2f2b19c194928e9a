// The one catalog of "upstream error -> client outcome", shared by proxied requests and
// upgrades: the status wharf answers when nothing was relayed yet (nginx's mapping: a timeout
// is 504, any other failure 502), the stable reason logged, whether the request can have
// reached the upstream (a connect failure sent nothing: every other server may be tried), and
// how a response already under way is cut so the client cannot mistake it for a complete one.
import { constants as h2 } from 'node:http2';
import type { AnyResponse } from './responses.js';

export type UpstreamErrorKind = 'connect' | 'reset' | 'timeout';

export interface UpstreamFailure {
  readonly status: number;
  readonly reason: string;
  /** connect: the request never left wharf; reset/timeout: it may have been (partly) received. */
  readonly kind: UpstreamErrorKind;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

const CONNECT_ERROR: UpstreamFailure = { status: 502, reason: 'upstream_connect_error', kind: 'connect' };
const CONNECT_TIMEOUT: UpstreamFailure = { status: 504, reason: 'upstream_connect_timeout', kind: 'connect' };
const READ_TIMEOUT: UpstreamFailure = { status: 504, reason: 'upstream_timeout', kind: 'timeout' };
const RESET: UpstreamFailure = { status: 502, reason: 'upstream_reset', kind: 'reset' };

/** `code`: the error's code from undici or node:net (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT...). */
export function upstreamFailureOf(code: string): UpstreamFailure {
  if (CONNECT_FAILURES.has(code)) return CONNECT_ERROR;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return CONNECT_TIMEOUT;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return READ_TIMEOUT;
  return RESET;
}

/** An upstream answered 502/503/504: another server may do better (idempotent requests). */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);

/** The RST_STREAM code of an HTTP/2 response cut by an upstream failure (nginx sends the same). */
export const CUT_STREAM_CODE = h2.NGHTTP2_INTERNAL_ERROR;

/**
 * Ends a response whose head already went out, so the client sees it as broken: HTTP/2 resets
 * the stream with INTERNAL_ERROR (a plain destroy says NO_ERROR, which clients read as a
 * complete body); HTTP/1.1 closes the connection without the final chunk.
 */
export function cutResponse(res: AnyResponse): void {
  const stream = (res as { stream?: { close(code: number): void; destroyed: boolean } }).stream;
  if (stream && typeof stream.close === 'function') {
    if (!stream.destroyed) stream.close(CUT_STREAM_CODE);
    return;
  }
  res.destroy();
}
