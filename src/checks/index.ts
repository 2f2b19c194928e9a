// The checks module: HTTP and TCP probes with Consul's verdicts, the config's health blocks as
// checks, and the pass/fail streak schedule. Used by the supervisor (readiness, liveness), the
// upstreams' active checks and the registry.
export type { CheckResult, CheckStatus } from './check-result.js';
export { probeHttp, type HttpRule, type HttpTarget } from './http-probe.js';
export { probeTcp, type TcpTarget } from './tcp-probe.js';
export { Streak, type StreakRule } from './streak.js';
export { startCheckLoop, type CheckLoopOptions } from './check-loop.js';
export { healthCheck, type CheckTarget, type TargetCheck } from './health-check.js';
