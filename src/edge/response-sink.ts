// Where upstream response bytes go: straight into the client response, pausing undici when
// the client is slow; or through a bandwidth throttle (limit_rate) first.
import type { Dispatcher } from 'undici';
import type { Transform } from 'node:stream';
import type { AnyResponse } from './responses.js';

export interface ResponseSink {
  write(chunk: Buffer): void;
  end(): void;
}

export type SinkFactory = (res: AnyResponse, controller: Dispatcher.DispatchController) => ResponseSink;

export const directSink: SinkFactory = (response, controller) => {
  const res = response as import('node:http').ServerResponse;
  const resume = () => controller.resume();
  return {
    write(chunk) {
      if (!res.write(chunk)) {
        controller.pause();
        res.once('drain', resume);
      }
    },
    end() {
      res.end();
    },
  };
};

/** Pipes through a pacing transform; the transform's own back-pressure pauses undici. */
export function throttledSink(createThrottle: () => Transform): SinkFactory {
  return (res, controller) => {
    const throttle = createThrottle();
    throttle.pipe(res as unknown as NodeJS.WritableStream);
    // A client that leaves must not keep the pacing timer (and its buffered bytes) alive.
    res.once('close', () => throttle.destroy());
    const resume = () => controller.resume();
    return {
      write(chunk) {
        if (!throttle.write(chunk)) {
          controller.pause();
          throttle.once('drain', resume);
        }
      },
      end() {
        throttle.end();
      },
    };
  };
}
