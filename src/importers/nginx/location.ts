// `location` blocks (and a server's own root or return) -> wharf routes.
import type { DraftPath } from '../config-draft.js';
import type { DraftRoute, NginxContext } from './context.js';
import { directiveText, placeOf, type NginxDirective } from './parse.js';
import { applyUpstreamSettings, inherit, isScopeDirective, routeGuards, type Scope } from './scope.js';
import { translateAnywhere } from './globals.js';
import { whyUntranslated } from './explanations.js';
import { nginxServerAddress, upstreamNameFor } from './values.js';

export interface ServerRoutes {
  /** wharf `host` for the server's routes; undefined = any host. */
  readonly host?: string | string[];
  /** First server_name, for $server_name in redirects. */
  readonly serverName?: string;
}

type Action = Record<string, unknown>;

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const BUILTIN_HEADERS: Record<string, RegExp> = {
  host: /^\$(host|http_host)$/,
  'x-forwarded-for': /^\$(proxy_add_x_forwarded_for|remote_addr)$/,
  'x-real-ip': /^\$remote_addr$/,
  'x-forwarded-proto': /^\$scheme$/,
  'x-forwarded-host': /^\$(host|http_host)$/,
  upgrade: /^\$http_upgrade$/,
  connection: /^(upgrade|\$connection_upgrade|keep-alive|)$/i,
};

export function translateLocation(location: NginxDirective, parent: Scope, server: ServerRoutes, ctx: NginxContext): void {
  const match = locationMatch(location.args);
  if (match.kind !== 'prefix') {
    ctx.note(location, match.kind === 'regex' ? 'regular-expression locations have no wharf equivalent (routes match path prefixes)' : 'named locations have no wharf equivalent');
    return;
  }
  const block = location.block ?? [];
  const scope = inherit(parent, block);
  const path = routePath(match.path);
  const nested: NginxDirective[] = [];
  const handlers: NginxDirective[] = [];
  const leftovers: NginxDirective[] = [];
  const builtins: [NginxDirective, string][] = [];
  for (const directive of block) {
    if (directive.name === 'location') nested.push(directive);
    else if (directive.name === 'proxy_pass' || directive.name === 'alias' || directive.name === 'return') handlers.push(directive);
    else if (isScopeDirective(directive.name) || translateAnywhere(directive, ctx)) continue;
    else if (builtinReason(directive)) builtins.push([directive, builtinReason(directive)!]);
    else leftovers.push(directive);
  }
  const [handler, ...extraHandlers] = handlers;
  leftovers.push(...extraHandlers);
  const index = addRoute({ path, handler, scope, server, ctx, origin: location, leftovers, builtins });
  if (index !== undefined && match.exact) ctx.draft.comment(['routes', index], `${placeOf(location)}: exact match (location =) becomes a prefix route in wharf`);
  if (index === undefined && !handler && !scope.root && nested.length === 0) {
    ctx.note(location, 'no proxy_pass, root, alias or return to translate');
  }
  for (const child of nested) translateLocation(child, scope, server, ctx);
}

interface RouteRequest {
  readonly path: string;
  readonly handler?: NginxDirective;
  readonly scope: Scope;
  readonly server: ServerRoutes;
  readonly ctx: NginxContext;
  readonly origin: NginxDirective;
  readonly leftovers: readonly NginxDirective[];
  readonly builtins: readonly [NginxDirective, string][];
}

/** Builds and adds the route for one location (or server); returns its index, if one was made. */
export function addRoute(request: RouteRequest): number | undefined {
  const { path, handler, scope, server, ctx, origin } = request;
  const route: DraftRoute = {};
  if (server.host !== undefined) route.host = server.host;
  route.path = path;
  const conflict = ctx.routeOwner(route);
  const at: DraftPath | undefined = conflict ? undefined : ['routes', ctx.routes.length];
  const action = conflict ? undefined : actionOf(handler, scope, request, at!);
  if (conflict || !action) {
    if (conflict && (handler || scope.root)) ctx.note(origin, `wharf already has a route for this host and path from ${conflict}; matching is by prefix only`);
    request.leftovers.forEach((d) => ctx.note(d, whyUntranslated(d.name)));
    return undefined;
  }
  Object.assign(route, action, routeGuards(scope, ctx, at!));
  ctx.addRoute(route, origin);
  request.leftovers.forEach((d) => ctx.note(d, whyUntranslated(d.name), at));
  request.builtins.forEach(([d, why]) => ctx.builtin(d, why, at));
  return at![1] as number;
}

function actionOf(handler: NginxDirective | undefined, scope: Scope, request: RouteRequest, at: DraftPath): Action | undefined {
  const { ctx, path } = request;
  if (handler?.name === 'proxy_pass') return proxyAction(handler, scope, request, at);
  const dir = handler?.name === 'alias' ? handler : handler ? undefined : scope.root;
  if (dir && (!dir.args[0] || dir.args[0].includes('$'))) {
    ctx.note(dir, 'a directory with variables has no wharf equivalent', at);
    return undefined;
  }
  if (handler?.name === 'alias') return { static: handler.args[0] };
  if (handler?.name === 'return') {
    const redirect = redirectOf(handler, request.server, ctx, at);
    if (!redirect) ctx.note(handler, 'wharf routes answer by proxy, static files or redirect (301, 302, 303, 307, 308) only; requests here reach the enclosing route instead');
    return redirect && { redirect };
  }
  if (scope.root) {
    const root = scope.root.args[0] ?? '';
    // nginx appends the whole request path to root; wharf's static strips the route's path, so the path goes onto the directory.
    return { static: path === '/' ? root : `${root.replace(/\/+$/, '')}${path}` };
  }
  return undefined;
}

function proxyAction(directive: NginxDirective, scope: Scope, request: RouteRequest, at: DraftPath): Action | undefined {
  const { ctx, path } = request;
  const url = /^(https?):\/\/([^/]+)(\/.*)?$/.exec(directive.args[0] ?? '');
  if (!url || url[2]!.includes('$')) {
    ctx.note(directive, 'wharf proxies to a named upstream or host:port, without variables', at);
    return undefined;
  }
  const [, scheme, hostPart, uri] = url;
  if (scheme === 'https') ctx.note(directive, 'wharf connects to upstream servers over plain HTTP', at);
  const pool = poolFor(hostPart!, scheme === 'https' ? 443 : 80, directive, ctx);
  if (!pool) return undefined;
  const action: Action = { proxy: pool };
  if (uri !== undefined && uri !== `${path}/` && uri !== path) {
    if (uri === '/') action.strip_prefix = true;
    else ctx.note(directive, `nginx replaces ${path} with ${uri}; wharf can only strip the route path (strip_prefix)`, at);
  }
  applyUpstreamSettings(scope, pool, ctx, at);
  for (const header of scope.proxyHeaders) proxyHeader(header, pool, ctx, at);
  return action;
}

/** An upstream block by name, or an upstream made for a bare host:port. */
function poolFor(hostPart: string, defaultPort: number, directive: NginxDirective, ctx: NginxContext): string | undefined {
  if (ctx.upstreams[hostPart]) return hostPart;
  if (ctx.failedUpstreams.has(hostPart)) {
    ctx.note(directive, `upstream ${hostPart} could not be translated`);
    return undefined;
  }
  const target = nginxServerAddress(hostPart, defaultPort);
  if (!target) {
    ctx.note(directive, 'wharf proxies to TCP host:port only');
    return undefined;
  }
  const name = upstreamNameFor(target);
  if (!ctx.upstreams[name]) {
    ctx.upstreams[name] = { servers: [target.address] };
    ctx.draft.comment(['upstreams', name], `made for ${placeOf(directive)}: ${directiveText(directive)}`);
  }
  return name;
}

function proxyHeader(directive: NginxDirective, pool: string, ctx: NginxContext, at: DraftPath): void {
  const [name = '', value = ''] = directive.args;
  const builtin = BUILTIN_HEADERS[name.toLowerCase()];
  if (builtin?.test(value)) ctx.builtin(directive, 'wharf sends this header by default', at);
  else if (name.toLowerCase() === 'host' && !value.includes('$')) ctx.setUpstreamSetting(pool, 'host_header', value, directive);
  else if (name.toLowerCase() === 'host') ctx.note(directive, "wharf sends the client's Host, or the upstream's host_header", at);
  else ctx.note(directive, 'wharf does not set custom request headers', at);
}

function redirectOf(directive: NginxDirective, server: ServerRoutes, ctx: NginxContext, at: DraftPath): Record<string, unknown> | undefined {
  const [first = '', second] = directive.args;
  const code = second === undefined && /^(https?:\/\/|\$scheme)/.test(first) ? 302 : Number(first);
  let to = second ?? (code === 302 ? first : undefined);
  if (!REDIRECT_CODES.has(code) || !to) return undefined;
  if (server.serverName) to = to.replace(/\$server_name\b/g, server.serverName);
  const unknown = (to.match(/\$[A-Za-z_]+/g) ?? []).filter((v) => v !== '$host' && v !== '$request_uri');
  if (unknown.length) ctx.note(directive, `wharf fills in $host and $request_uri only, not ${unknown.join(', ')}`, at);
  return code === 301 ? { to } : { to, status: code };
}

function builtinReason(directive: NginxDirective): string | undefined {
  if (directive.name === 'proxy_http_version' && directive.args[0] === '1.1') return 'wharf talks HTTP/1.1 with keep-alive to upstream servers';
  if (directive.name === 'index' && directive.args[0] === 'index.html') return 'wharf serves index.html for directories';
  if (directive.name === 'http2' && directive.args[0] === 'on') return 'wharf offers HTTP/2 on TLS listeners by ALPN';
  return undefined;
}

type LocationMatch = { kind: 'prefix'; path: string; exact: boolean } | { kind: 'regex' } | { kind: 'named' };

function locationMatch(args: readonly string[]): LocationMatch {
  const [first = '', second] = args;
  if (first === '=' || first === '^~') return { kind: 'prefix', path: second ?? '/', exact: first === '=' };
  if (first === '~' || first === '~*' || first.startsWith('~')) return { kind: 'regex' };
  if (first.startsWith('@')) return { kind: 'named' };
  if (first.startsWith('=')) return { kind: 'prefix', path: first.slice(1), exact: true };
  if (first.startsWith('^~')) return { kind: 'prefix', path: first.slice(2), exact: false };
  return { kind: 'prefix', path: first, exact: false };
}

/** wharf matches on segment boundaries, so nginx's `/api/` is the route `/api`. */
function routePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
