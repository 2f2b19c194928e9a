// A retry budget (Envoy's retry_budget, Finagle's RetryBudget): retries of requests that were
// sent to a server are allowed while they stay under `percent` of the pool's requests over the
// last WINDOW_MS, plus `minRetries` for a quiet pool. A request that crashes whatever serves it
// ("query of death") is then retried only while retries are rare; under an outage the retries
// cannot multiply the load. Requests that were never sent (connection refused) are not
// counted here: nginx's rule of trying every server applies to them.

export interface RetryBudgetConfig {
  /** Share of recent requests that may be retries, 0-100. */
  readonly percent: number;
  /** Retries always allowed per window, however few requests there were. */
  readonly minRetries: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetConfig = { percent: 20, minRetries: 3 };

/** The window is kept as SLOTS counters of WINDOW_MS / SLOTS each, so it slides without a queue. */
const WINDOW_MS = 10_000;
const SLOTS = 10;
const SLOT_MS = WINDOW_MS / SLOTS;

export class RetryBudget {
  private readonly requests = new Float64Array(SLOTS);
  private readonly retries = new Float64Array(SLOTS);
  /** The slot number (time / SLOT_MS) the counters were last moved to. */
  private slot = 0;

  constructor(
    private config: RetryBudgetConfig = DEFAULT_RETRY_BUDGET,
    private readonly now: () => number = Date.now,
  ) {}

  configure(config: RetryBudgetConfig = DEFAULT_RETRY_BUDGET): void {
    this.config = config;
  }

  /** A request (not a retry) started. */
  noteRequest(): void {
    this.requests[this.advance()]!++;
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryRetry(): boolean {
    const index = this.advance();
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < SLOTS; i++) {
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    if (retries >= this.config.minRetries + (requests * this.config.percent) / 100) return false;
    this.retries[index]!++;
    return true;
  }

  /** Clears the slots that fell out of the window; returns the current slot's index. */
  private advance(): number {
    const slot = Math.floor(this.now() / SLOT_MS);
    const gone = Math.min(SLOTS, slot - this.slot);
    for (let i = 1; i <= gone; i++) {
      const index = (this.slot + i) % SLOTS;
      this.requests[index] = 0;
      this.retries[index] = 0;
    }
    if (gone > 0) this.slot = slot;
    return slot % SLOTS;
  }
}
