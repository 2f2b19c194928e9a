// The config's `health:` block (HealthConfig) as a check of one target: an HTTP request whose
// status must fall in the configured range (and body match the pattern), or a TCP connect.
import type { HealthConfig } from '../config/model.js';
import type { CheckResult } from './check-result.js';
import { probeHttp, type HttpRule } from './http-probe.js';
import { probeTcp } from './tcp-probe.js';

export interface CheckTarget {
  readonly host: string;
  readonly port: number;
  /** Host header of HTTP checks; default host:port. */
  readonly hostHeader?: string;
}

export type TargetCheck = (target: CheckTarget) => Promise<CheckResult>;

/** With no health block, the port accepting a connection within this long is the signal. */
const DEFAULT_TCP_TIMEOUT_MS = 1_000;

/** Compiles a health block once (its body pattern included) into a check of any target. */
export function healthCheck(health: HealthConfig | undefined): TargetCheck {
  if (!health) return (target) => probeTcp(target, DEFAULT_TCP_TIMEOUT_MS);
  if (health.type === 'tcp') return (target) => probeTcp(target, health.timeoutMs);
  const rule: HttpRule = { statusMin: health.statusMin, statusMax: health.statusMax, body: health.body === undefined ? undefined : new RegExp(health.body) };
  return (target) =>
    probeHttp(
      { host: target.host, port: target.port, path: health.path, headers: target.hostHeader === undefined ? undefined : { host: target.hostHeader } },
      health.timeoutMs,
      rule,
    );
}
