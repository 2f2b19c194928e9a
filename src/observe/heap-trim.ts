// Keeps wharf's resident memory close to what it actually holds. Two V8 habits make a proxy
// hold far more (measured with bench/edge/memory.ts):
// - Startup and every burst of load grow the young generation to 32 MB, and V8 gives it back
//   only when its memory reducer runs, 60-100 s into a quiet period. So a quiet check period
//   after busy time gets a full collection, and one more if that one did not shrink it: V8
//   shrinks only once it has seen the allocation rate drop, which a collection after a burst
//   may not have yet. About 30 MB of RSS each time.
// - Every socket read of a streamed body leaves a garbage buffer outside the JS heap, and V8
//   collects those only once about 30 MB of them have piled up (its external-memory trigger);
//   glibc then keeps much of it. A young collection after every few MB streamed keeps the pile
//   small: it costs well under a millisecond, against several ms to stream those bytes.
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

export type CollectGarbage = (options: { type: 'minor' | 'major' }) => void;

/** Body bytes that went through wharf; the edge reports each chunk it forwards. */
export interface StreamMeter {
  streamed(bytes: number): void;
}

/** Streamed bytes between two young collections. */
export const STREAM_BUDGET_BYTES = 2 * 1024 * 1024;
/** A young generation this large after a quiet period is startup's or a burst's leftover. */
export const LARGE_YOUNG_BYTES = 8 * 1024 * 1024;
/** Share of a check period the event loop may be busy and still count as quiet. */
export const QUIET_SHARE = 0.05;
const CHECK_MS = 5000;
/** Full collections per quiet spell; busy time allows them again. */
export const TRIMS_PER_QUIET_SPELL = 2;

export interface HeapTrimProbes {
  readonly collect: CollectGarbage;
  /** Committed bytes of the young generation. */
  readonly youngBytes: () => number;
  /** Share of the time since the previous call the event loop was busy (0..1). */
  readonly busyShare: () => number;
}

export class HeapTrim implements StreamMeter {
  private streamedSince = 0;
  /** Reset by busy time, so a young generation that will not shrink costs no collections while idle. */
  private trimsLeft = TRIMS_PER_QUIET_SPELL;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly probes: HeapTrimProbes) {}

  streamed(bytes: number): void {
    this.streamedSince += bytes;
    if (this.streamedSince < STREAM_BUDGET_BYTES) return;
    this.streamedSince = 0;
    this.probes.collect({ type: 'minor' });
  }

  /** One check period has passed; true when it collected. */
  check(): boolean {
    if (this.probes.busyShare() > QUIET_SHARE) {
      this.trimsLeft = TRIMS_PER_QUIET_SPELL;
      return false;
    }
    if (this.trimsLeft === 0 || this.probes.youngBytes() < LARGE_YOUNG_BYTES) return false;
    this.trimsLeft--;
    this.probes.collect({ type: 'major' });
    return true;
  }

  start(periodMs = CHECK_MS): this {
    this.timer ??= setInterval(() => this.check(), periodMs).unref();
    return this;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** V8's collector as a function, or undefined where it cannot be had (the trim then does nothing). */
function exposeCollector(): CollectGarbage | undefined {
  try {
    // Exposes `gc` to contexts created from now on, not to wharf's own global scope.
    setFlagsFromString('--expose-gc');
    const collect: unknown = runInNewContext('gc');
    return typeof collect === 'function' ? (collect as CollectGarbage) : undefined;
  } catch {
    return undefined;
  }
}

/** The trim for this process, on V8's own collector and heap statistics. */
export function processHeapTrim(): HeapTrim | undefined {
  const collect = exposeCollector();
  if (!collect) return undefined;
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return new HeapTrim({
    collect,
    youngBytes: () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0,
    busyShare: () => {
      const now = performance.eventLoopUtilization();
      const share = performance.eventLoopUtilization(now, previous).utilization;
      previous = now;
      return share;
    },
  });
}
