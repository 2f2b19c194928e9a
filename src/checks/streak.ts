// Pass/fail streaks: a target becomes healthy after `passes` passing checks in a row and
// unhealthy after `fails` failing ones in a row (nginx's and Consul's success/failure
// thresholds). One check never flips a verdict the rule asks more of.
export interface StreakRule {
  readonly passes: number;
  readonly fails: number;
}

export class Streak {
  private passesInRow = 0;
  private failsInRow = 0;

  constructor(
    private readonly rule: StreakRule,
    private verdict: boolean,
  ) {}

  get healthy(): boolean {
    return this.verdict;
  }

  /** Failing checks in a row so far. */
  get failures(): number {
    return this.failsInRow;
  }

  /** Counts one check; true when it flipped the verdict. */
  record(ok: boolean): boolean {
    if (ok) {
      this.failsInRow = 0;
      this.passesInRow++;
      if (this.verdict || this.passesInRow < this.rule.passes) return false;
    } else {
      this.passesInRow = 0;
      this.failsInRow++;
      if (!this.verdict || this.failsInRow < this.rule.fails) return false;
    }
    this.verdict = !this.verdict;
    return true;
  }
}
