// PM2's crash-loop rule: more than max_restarts restarts within restart_window means the
// program cannot stay up, and restarting it again only burns CPU and floods the logs.

export class CrashLoopGuard {
  private restarts: number[] = [];

  constructor(
    private readonly maxRestarts: number,
    private readonly windowMs: number,
  ) {}

  /** Records a restart about to happen; true when it is one too many for the window. */
  record(now: number): boolean {
    this.restarts = this.restarts.filter((at) => now - at < this.windowMs);
    this.restarts.push(now);
    return this.restarts.length > this.maxRestarts;
  }

  clear(): void {
    this.restarts = [];
  }

  describe(): string {
    return `more than ${this.maxRestarts} restarts within ${Math.round(this.windowMs / 100) / 10}s`;
  }
}
