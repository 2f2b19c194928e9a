// Guard rejections counted per (route, reason) between two reads, so the event stream can
// send one summary a second instead of one event per refused request (a flood of 429s would
// otherwise flood every dashboard too).
import type { EventBus, RejectEvent } from './events.js';

export interface RejectionCount {
  readonly route: string;
  readonly reason: string;
  readonly status: number;
  readonly count: number;
}

export class RejectionTally {
  private counts = new Map<string, { route: string; reason: string; status: number; count: number }>();
  private readonly onReject = (event: RejectEvent) => {
    const key = `${event.route}\n${event.reason}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { route: event.route, reason: event.reason, status: event.status, count: 1 });
  };

  constructor(private readonly events: EventBus) {
    events.on('reject', this.onReject);
  }

  /** The counts since the last call, and a fresh start. */
  drain(): RejectionCount[] {
    if (this.counts.size === 0) return [];
    const out = [...this.counts.values()];
    this.counts = new Map();
    return out;
  }

  stop(): void {
    this.events.off('reject', this.onReject);
  }
}
