// client_max_body_size for bodies that announce their length: a Content-Length over the
// limit is refused with 413 before a byte of the body is read. Chunked bodies are cut off
// while streaming by the edge's request body (src/edge/request-body.ts).
import type { Guard, GuardRequest, Verdict } from './guard.js';
import { BODY_TOO_LARGE } from './rejections.js';

export class BodySizeGuard implements Guard {
  readonly name = 'max_body';

  constructor(readonly maxBytes: number) {}

  admit(request: GuardRequest): Verdict {
    const length = request.headers['content-length'];
    // A malformed length is the edge's 400 to give, not ours.
    return length !== undefined && Number(length) > this.maxBytes ? BODY_TOO_LARGE : undefined;
  }
}
