// Exponential restart delay: 100 ms doubling up to 30 s. The instance resets it once a run
// has stayed up for min_uptime, so a rare crash restarts quickly again.

export class Backoff {
  private nextMs: number;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 30_000,
  ) {
    this.nextMs = initialMs;
  }

  /** The delay to wait now; the following call returns twice as much (capped). */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.nextMs * 2, this.maxMs);
    return delay;
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}
