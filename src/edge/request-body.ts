// The client's request body as undici reads it. Nothing is pulled from the client until
// undici asks, so a request whose upstream refused the connection can be retried with its
// body untouched. Counts bytes and enforces max_body on chunked bodies as they stream.
import { Readable } from 'node:stream';
import type { AnyRequest } from './exchange.js';
import { rawHeader } from './headers.js';
import type { StreamMeter } from '../observe/heap-trim.js';

export class BodyTooLargeError extends Error {
  readonly code = 'WHARF_BODY_TOO_LARGE';
  constructor(limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

export class RequestBody extends Readable {
  started = false;
  bytes = 0;
  private attached = false;

  constructor(
    private readonly source: AnyRequest,
    private readonly maxBytes: number,
    private readonly meter?: StreamMeter,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(): void {
    this.started = true;
    if (!this.attached) {
      this.attached = true;
      // The three request classes share these events; TypeScript cannot call `on` on their union.
      const source = this.source as NodeJS.EventEmitter & { pause(): unknown };
      source.on('data', (chunk: Buffer) => {
        this.bytes += chunk.length;
        this.meter?.streamed(chunk.length);
        if (this.maxBytes > 0 && this.bytes > this.maxBytes) {
          source.pause();
          this.destroy(new BodyTooLargeError(this.maxBytes));
          return;
        }
        if (!this.push(chunk)) source.pause();
      });
      source.once('end', () => this.push(null));
      source.once('error', (error: Error) => this.destroy(error));
      source.once('aborted', () => this.destroy(Object.assign(new Error('client aborted the request'), { code: 'WHARF_CLIENT_ABORTED' })));
    }
    this.source.resume();
  }
}

export function hasBody(req: AnyRequest): boolean {
  const raw = req.rawHeaders;
  const length = rawHeader(raw, 'content-length');
  if (length !== undefined) return length !== '0';
  if (rawHeader(raw, 'transfer-encoding') !== undefined) return true;
  // HTTP/2 bodies need no framing header: a stream that is not yet ended carries one.
  return req.httpVersionMajor === 2 && !(req as { readableEnded?: boolean }).readableEnded && !(req as unknown as { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders;
}
