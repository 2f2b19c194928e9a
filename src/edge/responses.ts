// Answers wharf gives itself: short plain-text bodies, never a stack trace.
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

export type AnyResponse = ServerResponse | Http2ServerResponse;

const TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 413: 'Payload Too Large', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return TEXT[status] ?? 'Error';
}

export function sendText(res: AnyResponse, status: number, headers?: Readonly<Record<string, string>>, body?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${body ?? statusText(status)}\n`;
  const head: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  if (headers) Object.assign(head, headers);
  (res as ServerResponse).writeHead(status, head);
  res.end(text);
}

/** A raw HTTP/1.1 error for sockets the HTTP parser gave up on; the connection is closed. */
export function rawErrorResponse(status: number): string {
  const text = `${statusText(status)}\n`;
  return `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`;
}
