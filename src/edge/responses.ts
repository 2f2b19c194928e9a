// Answers wharf gives itself: short plain-text bodies, never a stack trace.
import { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Http1Response } from './http1/response.js';
import type { UpgradeResponse } from './upgrade-response.js';
import { headerObject } from './headers.js';
import { cutResponse } from './upstream-errors.js';

export type AnyResponse = ServerResponse | Http2ServerResponse | Http1Response | UpgradeResponse;

const TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 413: 'Payload Too Large', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return TEXT[status] ?? 'Error';
}

/** Answers with a short text body; returns the body's size in bytes for the access log. */
export function sendText(res: AnyResponse, status: number, headers?: Readonly<Record<string, string>>, body?: string): number {
  if (res.headersSent) {
    cutResponse(res);
    return 0;
  }
  const text = `${body ?? statusText(status)}\n`;
  const length = Buffer.byteLength(text);
  const head: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': length };
  if (headers) Object.assign(head, headers);
  (res as ServerResponse).writeHead(status, head);
  (res as ServerResponse).end(text);
  return length;
}

/**
 * Writes a response head from a flat name, value... list, repeats kept. Node's HTTP/1
 * ServerResponse merges such a list by name into headers set earlier (Connection: close while
 * draining), folding repeats like Set-Cookie; there the list goes in as an object of arrays.
 * HTTP/2 and the lean listener's response merge a list correctly themselves.
 */
export function writeHeadList(res: AnyResponse, status: number, headers: string[]): void {
  const merges = res instanceof ServerResponse && res.getHeaderNames().length > 0;
  (res as ServerResponse).writeHead(status, merges ? headerObject(headers) : headers);
}

/** A raw HTTP/1.1 error for sockets the HTTP parser gave up on; the connection is closed. */
export function rawErrorResponse(status: number): string {
  const text = `${statusText(status)}\n`;
  return `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`;
}
