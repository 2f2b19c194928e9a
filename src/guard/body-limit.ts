// Counts request body bytes as they stream to the upstream and fails the stream with
// WHARF_BODY_TOO_LARGE (the edge answers 413) as soon as more than the limit has arrived,
// so an oversize chunked body is never read, buffered or forwarded past the limit.
import { Transform, type TransformCallback } from 'node:stream';

export class BodyTooLargeError extends Error {
  readonly code = 'WHARF_BODY_TOO_LARGE';
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export function createBodyLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) callback(new BodyTooLargeError(maxBytes));
      else callback(null, chunk);
    },
  });
}
