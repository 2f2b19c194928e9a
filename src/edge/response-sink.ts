// Where upstream response bytes go: straight into the client response, or through a
// bandwidth throttle (limit_rate) first.
import type { Transform } from 'node:stream';
import type { AnyResponse } from './responses.js';

/**
 * What upstream response bytes are written into: the client response itself, or the pacing
 * transform in front of it. `write` returning false means "wait for 'drain'": the proxy then
 * pauses undici until it comes, which is how back-pressure reaches the upstream.
 */
export interface ResponseSink {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

export type SinkFactory = (res: AnyResponse) => ResponseSink;

/** The client response: nothing in between, nothing allocated. */
export const directSink: SinkFactory = (res) => res as unknown as ResponseSink;

/** Pipes through a pacing transform; the transform's own back-pressure pauses undici. */
export function throttledSink(createThrottle: () => Transform): SinkFactory {
  return (res) => {
    const throttle = createThrottle();
    throttle.pipe(res as unknown as NodeJS.WritableStream);
    // A client that leaves must not keep the pacing timer (and its buffered bytes) alive.
    (res as NodeJS.EventEmitter).once('close', () => throttle.destroy());
    return throttle;
  };
}
