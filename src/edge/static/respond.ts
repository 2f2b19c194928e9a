// Writing answers on either an HTTP/1.1 ServerResponse or an HTTP/2 compat response: a short
// text reply, or a file slice streamed with back-pressure.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { pipeline } from 'node:stream/promises';
import { isAbsentError } from './resolve-path.js';
import type { Http1Request } from '../http1/request.js';
import type { Http1Response } from '../http1/response.js';

export type StaticRequest = IncomingMessage | Http2ServerRequest | Http1Request;
export type StaticResponse = ServerResponse | Http2ServerResponse | Http1Response;

// The members both response classes share, in a shape TypeScript can call on the union.
interface ResponseSink {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  end(body?: string): unknown;
  destroy(error?: Error): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

function sink(res: StaticResponse): ResponseSink {
  return res as unknown as ResponseSink;
}

/** A short text/plain reply; after headers went out the only honest signal left is a reset. */
export function sendText(res: StaticResponse, status: number, text: string, head: boolean, headers: OutgoingHttpHeaders = {}): void {
  const out = sink(res);
  if (out.headersSent) {
    if (!out.writableEnded) out.destroy();
    return;
  }
  const body = text + '\n';
  out.writeHead(status, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  out.end(head ? undefined : body);
}

/**
 * Runs a reply and turns anything it throws (a response the client already closed, a header value
 * Node refuses) into a reset: event listeners must never throw into the process.
 */
export function answerSafely(res: StaticResponse, reply: () => void): void {
  try {
    reply();
  } catch {
    const out = sink(res);
    if (!out.writableEnded) out.destroy();
  }
}

export function sendEmpty(res: StaticResponse, status: number, headers: OutgoingHttpHeaders): void {
  const out = sink(res);
  out.writeHead(status, headers);
  out.end();
}

export interface FileSlice {
  readonly path: string;
  /** Inclusive offsets; end < start means an empty body. */
  readonly start: number;
  readonly end: number;
}

/**
 * Opens the file before any header is written, so a file that vanished since it was stat'ed is
 * still a clean 404. A body shorter than its Content-Length (the file shrank mid-send) resets the
 * response instead of leaving the client waiting for bytes that never come.
 */
export function streamFile(res: StaticResponse, status: number, headers: OutgoingHttpHeaders, slice: FileSlice): void {
  const out = sink(res);
  const expected = slice.end - slice.start + 1;
  if (expected <= 0) {
    sendEmpty(res, status, headers);
    return;
  }
  const file = createReadStream(slice.path, { start: slice.start, end: slice.end });
  let opened = false;
  const clientGone = (): void => {
    file.destroy();
  };
  out.once('close', clientGone);
  file.once('error', (error) => {
    if (opened) return; // the pipeline owns errors from here on
    out.off('close', clientGone);
    const absent = isAbsentError(error);
    answerSafely(res, () => sendText(res, absent ? 404 : 500, absent ? 'Not Found' : 'Internal Server Error', false));
  });
  file.once('ready', () => {
    opened = true;
    out.off('close', clientGone);
    try {
      out.writeHead(status, headers);
    } catch {
      file.destroy();
      out.destroy();
      return;
    }
    pipeline(file, res as unknown as NodeJS.WritableStream, { end: false }).then(
      () => {
        if (file.bytesRead === expected) out.end();
        else out.destroy();
      },
      () => {
        // The client went away or the read failed; the pipeline already closed the file.
        if (!out.writableEnded) out.destroy();
      },
    );
  });
}
