// Where upstream response bytes go: straight into the client response, pausing undici when
// the client is slow; or through a bandwidth throttle (limit_rate) first.
import type { Transform } from 'node:stream';
import type { AnyResponse } from './responses.js';

export interface ResponseSink {
  write(chunk: Buffer): void;
  end(): void;
}

/** The upstream side a sink holds back: stop reading the response, and carry on. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

export type SinkFactory = (res: AnyResponse, controller: Pausable) => ResponseSink;

/** What a sink writes into: a client response, or the pacing transform in front of one. */
interface Drainable {
  write(chunk: Buffer): boolean;
  end(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** Writes into `target`, pausing undici whenever `target` asks the writer to wait for 'drain'. */
function pausingSink(target: Drainable, controller: Pausable): ResponseSink {
  const resume = () => controller.resume();
  return {
    write(chunk) {
      if (!target.write(chunk)) {
        controller.pause();
        target.once('drain', resume);
      }
    },
    end() {
      target.end();
    },
  };
}

export const directSink: SinkFactory = (res, controller) => pausingSink(res as import('node:http').ServerResponse, controller);

/** Pipes through a pacing transform; the transform's own back-pressure pauses undici. */
export function throttledSink(createThrottle: () => Transform): SinkFactory {
  return (res, controller) => {
    const throttle = createThrottle();
    throttle.pipe(res as unknown as NodeJS.WritableStream);
    // A client that leaves must not keep the pacing timer (and its buffered bytes) alive.
    (res as NodeJS.EventEmitter).once('close', () => throttle.destroy());
    return pausingSink(throttle, controller);
  };
}
