// What one check says, in Consul's three states: the registry serves these as they are, the
// supervisor and the upstream prober count anything but 'passing' as a failure.
export type CheckStatus = 'passing' | 'warning' | 'critical';

export interface CheckResult {
  readonly status: CheckStatus;
  /** One line for logs, events and the registry's check output. */
  readonly output: string;
}

export const passing = (output: string): CheckResult => ({ status: 'passing', output });
export const critical = (output: string): CheckResult => ({ status: 'critical', output });
