// nginx.conf -> wharf YAML. Reads the config with its includes, then translates the http
// context: upstreams first (routes refer to them), zones, edge-wide settings, servers.
import type { ImportResult } from '../import-result.js';
import { NginxContext } from './context.js';
import { loadNginxConfig } from './include.js';
import type { NginxDirective } from './parse.js';
import { EMPTY_SCOPE, inherit, isScopeDirective, paramsOf } from './scope.js';
import { translateUpstream } from './upstream-block.js';
import { translateServer } from './server.js';
import { isHttpTimeout, translateAccessLog, translateAnywhere, translateHttpTimeout } from './globals.js';
import { whyUntranslated } from './explanations.js';
import { nginxRate } from './values.js';

export function translateNginx(path: string): ImportResult {
  const loaded = loadNginxConfig(path);
  const ctx = new NginxContext();
  for (const problem of loaded.problems) ctx.note(problem.directive, problem.why);
  if (isSiteFile(loaded.directives)) {
    // A sites-enabled style file: its server/upstream blocks live inside nginx's http context.
    ctx.draft.comment(undefined, `${loaded.files[0]} has no http block; its directives were read as the http context`);
    translateHttp(loaded.directives, ctx);
  } else {
    for (const directive of loaded.directives) {
      if (directive.name === 'http' && directive.block) translateHttp(directive.block, ctx);
      else ctx.note(directive, whyUntranslated(directive.name));
    }
  }
  emitListeners(ctx);
  for (const upstream of Object.values(ctx.upstreams)) moveServersLast(upstream);
  return ctx.draft.render([
    `wharf config imported from ${loaded.files[0]} (nginx) by \`wharf import\`.`,
    loaded.files.length > 1 ? `Also read: ${loaded.files.slice(1).join(', ')}.` : '',
    `${ctx.draft.untranslated.length} nginx setting(s) had no wharf equivalent: see the "untranslated:" comments.`,
    'Relative paths are kept as nginx had them; wharf reads them relative to this file.',
    'Check it with `wharf check -c FILE` before use.',
  ].filter(Boolean), loaded.files);
}

function isSiteFile(directives: readonly NginxDirective[]): boolean {
  return !directives.some((d) => d.name === 'http') && directives.some((d) => d.name === 'server' || d.name === 'upstream');
}

function translateHttp(block: readonly NginxDirective[], ctx: NginxContext): void {
  // Zones and upstreams first: nginx lets servers refer to them before they are declared.
  const formats = new Map<string, NginxDirective>();
  for (const directive of block) {
    if (directive.name === 'upstream' && directive.block) translateUpstream(directive, ctx);
    else if (directive.name === 'limit_req_zone') requestZone(directive, ctx);
    else if (directive.name === 'limit_conn_zone') connectionZone(directive, ctx);
    else if (directive.name === 'log_format' && directive.args[0]) formats.set(directive.args[0], directive);
  }
  ctx.hasTlsServer = block.some((d) => d.name === 'server' && (d.block ?? []).some((l) => l.name === 'listen' && l.args.includes('ssl')));
  // Timeouts at http level are edge-wide in wharf; keep them out of the per-location scope.
  const scope = inherit(EMPTY_SCOPE, block.filter((d) => !isHttpTimeout(d.name)));
  for (const directive of block) {
    if (['upstream', 'limit_req_zone', 'limit_conn_zone', 'server'].includes(directive.name)) continue;
    if (isHttpTimeout(directive.name)) translateHttpTimeout(directive, ctx);
    else if (directive.name === 'access_log') translateAccessLog(directive, formats, ctx);
    else if (isScopeDirective(directive.name) || translateAnywhere(directive, ctx)) continue;
    else ctx.note(directive, whyUntranslated(directive.name));
  }
  for (const directive of block) if (directive.name === 'server' && directive.block) translateServer(directive, scope, ctx);
}

/** limit_req_zone KEY zone=NAME:SIZE rate=R */
function requestZone(directive: NginxDirective, ctx: NginxContext): void {
  const [key = '', ...rest] = directive.args;
  const params = paramsOf(rest);
  const name = (params.get('zone') ?? '').split(':')[0]!;
  const rate = nginxRate(params.get('rate') ?? '');
  if (!name || !rate) ctx.note(directive, 'expected: limit_req_zone KEY zone=NAME:SIZE rate=Nr/s');
  ctx.requestZones.set(name, { rate, key: limitKey(key), directive });
}

/** limit_conn_zone KEY zone=NAME:SIZE */
function connectionZone(directive: NginxDirective, ctx: NginxContext): void {
  const [key = '', zone = ''] = directive.args;
  const name = zone.replace(/^zone=/, '').split(':')[0]!;
  const kind = limitKey(key) === 'ip' ? 'per_ip' : /^\$(server_name|host)$/.test(key) ? 'total' : undefined;
  ctx.connectionZones.set(name, { kind, directive });
}

function limitKey(key: string): string | undefined {
  if (key === '$binary_remote_addr' || key === '$remote_addr') return 'ip';
  if (key === '$server_name' || key === '$host') return 'route';
  const header = /^\$http_([A-Za-z0-9_]+)$/.exec(key);
  return header ? `header:${header[1]!.replace(/_/g, '-')}` : undefined;
}

/** Listeners gathered from every server; an IPv6 wildcard beside 0.0.0.0 on the same port is left out. */
function emitListeners(ctx: NginxContext): void {
  const listen = ctx.draft.list('listen');
  const emitted = new Set<string>();
  for (const [address, listener] of ctx.listeners) {
    const port = address.slice(address.lastIndexOf(':') + 1);
    if (address.startsWith('[::]:') && ctx.listeners.has(`0.0.0.0:${port}`)) {
      ctx.note(listener.directive, `wharf listens on 0.0.0.0:${port} already; in Node a [::] listener would take IPv4 too and collide. Use [::]:${port} alone for both`);
      continue;
    }
    emitted.add(address);
    const [first, ...more] = listener.tls;
    if (!first) listen.push(address);
    else listen.push({ address, tls: more.length ? [first, ...more] : first });
  }
  ctx.settleRouteListeners(emitted);
}

function moveServersLast(upstream: Record<string, unknown>): void {
  const servers = upstream.servers;
  delete upstream.servers;
  upstream.servers = servers;
}
