// One alert rule: which conditions are true right now. The Alerter turns conditions into
// incidents (fire once after the rule's hold time, resolve once when the condition clears).

export interface Condition {
  /** Identifies the incident within the rule (app/id, upstream name, route name). */
  readonly key: string;
  readonly summary: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertRule {
  /** Stable rule name, sent in every webhook payload. */
  readonly name: string;
  /** How long a condition must hold before it fires (0 = at once). */
  holdMs(): number;
  /** The conditions that are true at `now`. */
  evaluate(now: number): readonly Condition[];
}
