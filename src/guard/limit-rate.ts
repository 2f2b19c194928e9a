// limit_rate / limit_rate_after: paces one response body to a byte rate. The first `after`
// bytes pass at full speed; the rest leave in slices of about a tenth of a second's worth,
// each released when a token bucket refilled at `bytesPerSecond` covers it, waiting on a
// timer in between. A chunk's write callback is held until its last slice is pushed, so
// the upstream is back-pressured instead of the body being buffered here.
import { Transform, type TransformCallback } from 'node:stream';

/** Pacing granularity: a slice is at most this share of a second's bytes... */
const SLICES_PER_SECOND = 10;
/** ...and never larger than this, so fast rates still go out smoothly. */
const MAX_SLICE = 64 * 1024;
/**
 * Credit the bucket may hold beyond one slice, in seconds of rate: a timer that fires late
 * (a busy event loop) is made up for on the next slices instead of lowering the rate, while
 * a stalled upstream can never turn into more than this burst afterwards.
 */
const CATCH_UP_SECONDS = 0.25;

class Throttle extends Transform {
  private readonly slice: number;
  private readonly capacity: number;
  private unthrottled: number;
  private pacing = false;
  private tokens = 0;
  private refilledAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bytesPerSecond: number,
    after: number,
    private readonly now: () => number,
  ) {
    super();
    this.slice = Math.max(1, Math.min(MAX_SLICE, Math.floor(bytesPerSecond / SLICES_PER_SECOND)));
    this.capacity = this.slice + bytesPerSecond * CATCH_UP_SECONDS;
    this.unthrottled = Math.max(0, after);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    if (this.unthrottled > 0) {
      offset = Math.min(this.unthrottled, chunk.length);
      this.unthrottled -= offset;
      if (offset === chunk.length) {
        callback(null, chunk);
        return;
      }
      this.push(chunk.subarray(0, offset));
    }
    if (!this.pacing) {
      // Pacing starts with the first paced byte, with no credit saved up before it.
      this.pacing = true;
      this.refilledAt = this.now();
    }
    this.sendPaced(chunk, offset, callback);
  }

  private sendPaced(chunk: Buffer, start: number, callback: TransformCallback): void {
    this.refill();
    let offset = start;
    while (offset < chunk.length) {
      const size = Math.min(this.slice, chunk.length - offset);
      if (this.tokens < size) {
        const waitMs = Math.ceil(((size - this.tokens) * 1000) / this.bytesPerSecond);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.sendPaced(chunk, offset, callback);
        }, waitMs);
        return;
      }
      this.tokens -= size;
      this.push(chunk.subarray(offset, offset + size));
      offset += size;
    }
    callback();
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.bytesPerSecond) / 1000);
    this.refilledAt = now;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    callback(error);
  }
}

/** A pass-through that paces what flows through it; bytesPerSecond must be > 0. `now`: monotonic ms (tests pass their own). */
export function createThrottle(bytesPerSecond: number, after: number, now: () => number = () => performance.now()): Transform {
  return new Throttle(bytesPerSecond, after, now);
}
