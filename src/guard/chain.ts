// Builds a route's admission guards from its config, once per config load: access first
// (cheapest, and a denied client should not spend anyone's rate budget), then limit_req and
// limit_conn, then Basic auth, then the Content-Length size check. Limits come before auth
// as in nginx (its preaccess phase precedes auth_basic), so password guessing is rate
// limited and never reaches bcrypt faster than limit_req allows.
import type { RouteConfig } from '../config/model.js';
import { AccessGuard } from './access.js';
import { BasicAuthGuard } from './basic-auth.js';
import { BodySizeGuard } from './body-size.js';
import type { Guard, GuardRequest, Verdict } from './guard.js';
import { LimitConnGuard } from './limit-conn.js';
import { LimitReqGuard } from './limit-req.js';
import type { LimitLease } from './limit-store.js';

export interface GuardDeps {
  /** limits.max_keys: cap on per-key state (limit_req buckets) per guard. */
  readonly maxKeys: number;
  /** Where limit guards (and their state) are kept across reloads; without it each build starts fresh. */
  readonly limits?: LimitLease;
}

/** Throws GuardConfigError (code WHARF_ACCESS_RULE_INVALID / WHARF_HTPASSWD_*) for a bad rule or file. */
export function buildGuards(route: RouteConfig, deps: GuardDeps): Guard[] {
  const guards: Guard[] = [];
  if (route.access !== undefined && route.access.length > 0) guards.push(new AccessGuard(route.access));
  const where = `${route.hosts.join(',')} ${route.path}`;
  const kept = <G extends Guard>(identity: string, create: () => G): G => (deps.limits ? deps.limits.obtain(identity, create) : create());
  const limitReq = route.limitReq;
  if (limitReq !== undefined) {
    const identity = `limit_req ${where} ${JSON.stringify(limitReq)} ${deps.maxKeys}`;
    guards.push(kept(identity, () => new LimitReqGuard({ config: limitReq, routeName: route.name, maxKeys: deps.maxKeys })));
  }
  const limitConn = route.limitConn;
  if (limitConn !== undefined && (limitConn.perIp > 0 || limitConn.total > 0)) {
    guards.push(kept(`limit_conn ${where} ${JSON.stringify(limitConn)}`, () => new LimitConnGuard(limitConn)));
  }
  if (route.auth !== undefined) guards.push(new BasicAuthGuard({ htpasswd: route.auth.htpasswd, realm: route.auth.realm }));
  if (route.maxBody > 0) guards.push(new BodySizeGuard(route.maxBody));
  return guards;
}

/**
 * Runs guards in order and returns the first rejection. Stays synchronous until a guard
 * answers with a promise (a delayed limit_req or a bcrypt check), so the common case costs
 * no microtask.
 */
export function runGuards(guards: readonly Guard[], request: GuardRequest, from = 0): Verdict | Promise<Verdict> {
  for (let i = from; i < guards.length; i++) {
    const verdict = guards[i]!.admit(request);
    if (verdict === undefined) continue;
    if (verdict instanceof Promise) {
      return verdict.then((settled) => (settled === undefined ? runGuards(guards, request, i + 1) : settled));
    }
    return verdict;
  }
  return undefined;
}
