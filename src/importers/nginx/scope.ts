// Settings nginx inherits from http into server into location, and how they become the
// guard keys of a wharf route. Lists (allow/deny, limit_req, limit_conn, proxy_set_header)
// follow nginx's rule: a level that sets any of them replaces the inherited list entirely.
import type { DraftPath } from '../config-draft.js';
import type { NginxContext } from './context.js';
import type { NginxDirective } from './parse.js';
import { nginxSize, nginxTime } from './values.js';
import { parseCidr } from '../../net/cidr.js';

// The directive names that make up a scope, by the Scope field they fill.
const SINGLE = {
  root: 'root',
  client_max_body_size: 'maxBody',
  limit_rate: 'limitRate',
  limit_rate_after: 'limitRateAfter',
  limit_req_status: 'limitReqStatus',
  limit_conn_status: 'limitConnStatus',
  auth_basic: 'authBasic',
  auth_basic_user_file: 'authUserFile',
  proxy_read_timeout: 'proxyReadTimeout',
  proxy_connect_timeout: 'proxyConnectTimeout',
  proxy_next_upstream_tries: 'nextUpstreamTries',
  proxy_next_upstream: 'nextUpstream',
} as const;

const LISTS = {
  allow: 'access',
  deny: 'access',
  limit_req: 'limitReq',
  limit_conn: 'limitConn',
  proxy_set_header: 'proxyHeaders',
  ssl_certificate: 'sslCertificate',
  ssl_certificate_key: 'sslCertificateKey',
} as const;

type SingleField = (typeof SINGLE)[keyof typeof SINGLE];
type ListField = (typeof LISTS)[keyof typeof LISTS];

/** The last directive of each single setting, and every directive of each list, in effect here. */
export type Scope = { readonly [F in SingleField]?: NginxDirective } & { readonly [F in ListField]: readonly NginxDirective[] };

export const EMPTY_SCOPE: Scope = { access: [], limitReq: [], limitConn: [], proxyHeaders: [], sslCertificate: [], sslCertificateKey: [] };

const singleField = (name: string): SingleField | undefined => (Object.hasOwn(SINGLE, name) ? SINGLE[name as keyof typeof SINGLE] : undefined);
const listField = (name: string): ListField | undefined => (Object.hasOwn(LISTS, name) ? LISTS[name as keyof typeof LISTS] : undefined);

export function isScopeDirective(name: string): boolean {
  return singleField(name) !== undefined || listField(name) !== undefined;
}

/** The scope inside `block`, given the scope around it. */
export function inherit(parent: Scope, block: readonly NginxDirective[]): Scope {
  const scope: Record<string, unknown> = { ...parent };
  const replaced = new Set<string>();
  for (const directive of block) {
    const single = singleField(directive.name);
    if (single) scope[single] = directive;
    const list = listField(directive.name);
    if (!list) continue;
    if (!replaced.has(list)) {
      replaced.add(list);
      scope[list] = [];
    }
    scope[list] = [...(scope[list] as NginxDirective[]), directive];
  }
  return scope as unknown as Scope;
}

/** The guard keys of a route under `scope`; problems are noted against the route at `path`. */
export function routeGuards(scope: Scope, ctx: NginxContext, path: DraftPath): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const access = accessRules(scope, ctx, path);
  if (access.length) out.access = access;
  const limitReq = limitRequests(scope, ctx, path);
  if (limitReq) out.limit_req = limitReq;
  const limitConn = limitConnections(scope, ctx, path);
  if (limitConn) out.limit_conn = limitConn;
  for (const [key, directive] of [['limit_rate', scope.limitRate], ['limit_rate_after', scope.limitRateAfter], ['max_body', scope.maxBody]] as const) {
    if (!directive) continue;
    const size = nginxSize(directive.args[0] ?? '');
    if (size === undefined) ctx.note(directive, 'not a size wharf understands', path);
    else if (size !== 0) out[key] = size; // 0 means "no limit" in nginx, which is wharf's default
  }
  const auth = basicAuth(scope, ctx, path);
  if (auth) out.auth = auth;
  return out;
}

function accessRules(scope: Scope, ctx: NginxContext, path: DraftPath): string[] {
  const rules: string[] = [];
  for (const directive of scope.access) {
    const target = directive.args[0];
    if (directive.args.length !== 1 || !target || (target !== 'all' && !parseCidr(target))) ctx.note(directive, 'wharf access rules take an IP, a CIDR or all', path);
    else rules.push(`${directive.name} ${target}`);
  }
  return rules;
}

function limitRequests(scope: Scope, ctx: NginxContext, path: DraftPath): Record<string, unknown> | undefined {
  const [first, ...rest] = scope.limitReq;
  for (const extra of rest) ctx.note(extra, 'wharf applies one limit_req per route', path);
  if (!first) return undefined;
  const params = paramsOf(first.args);
  const zone = ctx.requestZones.get(params.get('zone') ?? '');
  if (!zone?.rate) {
    ctx.note(first, zone ? 'its limit_req_zone has no usable rate' : 'no limit_req_zone declares this zone', path);
    return undefined;
  }
  const out: Record<string, unknown> = { rate: zone.rate };
  if (zone.key === undefined) ctx.note(zone.directive, 'wharf limits per client IP, per route or per header; this key is not one of them, so per client IP is used', path);
  else if (zone.key !== 'ip') out.key = zone.key;
  const burst = Number(params.get('burst') ?? 0);
  if (burst > 0) out.burst = burst;
  if (params.has('nodelay')) out.nodelay = true;
  if (params.has('delay')) out.delay = Number(params.get('delay'));
  const status = Number(scope.limitReqStatus?.args[0]);
  if (status >= 400 && status <= 599 && status !== 429) out.status = status;
  else if (scope.limitReqStatus === undefined) out.status = 503; // nginx's default; wharf's is 429
  return out;
}

function limitConnections(scope: Scope, ctx: NginxContext, path: DraftPath): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const directive of scope.limitConn) {
    const [zoneName, countText] = directive.args;
    const zone = ctx.connectionZones.get(zoneName ?? '');
    const count = Number(countText);
    if (!zone) ctx.note(directive, 'no limit_conn_zone declares this zone', path);
    else if (!zone.kind) ctx.note(directive, 'wharf limits connections per client IP or per route; this zone key is neither', path);
    else if (!Number.isInteger(count) || count < 1) ctx.note(directive, 'the limit must be a positive number', path);
    else if (out[zone.kind] !== undefined) ctx.note(directive, `wharf has one ${zone.kind} limit per route`, path);
    else out[zone.kind] = count;
  }
  if (Object.keys(out).length === 0) return undefined;
  const status = Number(scope.limitConnStatus?.args[0]);
  if (status >= 400 && status <= 599 && status !== 503) out.status = status;
  return out;
}

function basicAuth(scope: Scope, ctx: NginxContext, path: DraftPath): Record<string, unknown> | undefined {
  const realm = scope.authBasic?.args[0];
  if (realm === undefined || realm === 'off') return undefined;
  const file = scope.authUserFile?.args[0];
  if (!file) {
    ctx.note(scope.authBasic!, 'auth_basic without auth_basic_user_file', path);
    return undefined;
  }
  return { htpasswd: file, realm };
}

/** Per-location proxy settings that wharf keeps per upstream. */
export function applyUpstreamSettings(scope: Scope, upstream: string, ctx: NginxContext, path: DraftPath): void {
  for (const [key, directive] of [['read_timeout', scope.proxyReadTimeout], ['connect_timeout', scope.proxyConnectTimeout]] as const) {
    if (!directive) continue;
    const time = nginxTime(directive.args[0] ?? '');
    if (time === undefined) ctx.note(directive, 'not a time wharf understands', path);
    else ctx.setUpstreamSetting(upstream, key, time, directive);
  }
  const tries = scope.nextUpstreamTries;
  if (tries) {
    const count = Number(tries.args[0]);
    // nginx counts the first attempt; wharf counts the further servers tried. 0 = unlimited in nginx.
    if (Number.isInteger(count) && count >= 1) ctx.setUpstreamSetting(upstream, 'retries', count - 1, tries);
    else ctx.note(tries, 'wharf needs a bounded number of tries', path);
  }
  const next = scope.nextUpstream;
  if (next) {
    if (next.args.length === 1 && next.args[0] === 'off') ctx.setUpstreamSetting(upstream, 'retries', 0, next);
    else ctx.note(next, 'wharf retries on connect errors and 502 for idempotent requests (set retries to choose how often)', path);
  }
}

/** `key=value` and bare-word parameters of a directive. */
export function paramsOf(args: readonly string[]): Map<string, string> {
  const params = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) params.set(arg, '');
    else params.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  return params;
}
