// `server { ... }` -> listeners (shared by all servers in wharf) and the server's routes.
import type { NginxContext, TlsPair } from './context.js';
import { placeOf, type NginxDirective } from './parse.js';
import { inherit, isScopeDirective, type Scope } from './scope.js';
import { addRoute, translateLocation, type ServerRoutes } from './location.js';
import { translateAnywhere } from './globals.js';
import { whyUntranslated } from './explanations.js';
import { nginxListenAddress } from './values.js';

const KNOWN_LISTEN_PARAMS = new Set(['ssl', 'http2', 'default_server', 'default']);

export function translateServer(server: NginxDirective, http: Scope, ctx: NginxContext): void {
  const block = server.block ?? [];
  const scope = inherit(http, block);
  const listens = block.filter((d) => d.name === 'listen');
  const isDefault = listens.some((d) => d.args.includes('default_server') || d.args.includes('default'));
  const routes = serverRoutes(block.filter((d) => d.name === 'server_name'), isDefault, ctx);
  const addresses: string[] = [];
  if (listens.length === 0) {
    const address = addListener({ name: 'listen', args: ['80'], file: server.file, line: server.line }, scope, ctx);
    if (address) addresses.push(address);
    ctx.draft.comment(['listen'], `${placeOf(server)}: server without listen: nginx's default *:80`);
  }
  for (const listen of listens) {
    const address = addListener(listen, scope, ctx);
    if (address) addresses.push(address);
  }
  // nginx answers on a server's own listen addresses only: its routes name them (`listeners:`),
  // so an http->https redirect server stays on the plain listener and the TLS routes on TLS.
  ctx.serverListeners = addresses;
  if (isHttpsRedirectServer(block, ctx)) {
    ctx.builtin(server, 'an http->https redirect server: a redirect route on its own (plain) listeners', undefined);
  }

  const firstRoute = ctx.routes.length;
  const serverReturn = block.find((d) => d.name === 'return');
  const locations = block.filter((d) => d.name === 'location');
  const leftovers: NginxDirective[] = [];
  for (const directive of block) {
    if (['listen', 'server_name', 'location', 'return'].includes(directive.name)) continue;
    if (isScopeDirective(directive.name) || translateAnywhere(directive, ctx)) continue;
    if (directive.name === 'http2' && directive.args[0] === 'on') ctx.builtin(directive, 'wharf offers HTTP/2 on TLS listeners by ALPN');
    else leftovers.push(directive);
  }

  if (serverReturn) {
    // A server-level return answers every request before any location is chosen.
    addRoute({ path: '/', handler: serverReturn, scope, server: routes, ctx, origin: serverReturn, leftovers: [], builtins: [] });
    for (const location of locations) ctx.note(location, `never reached: the server's return at ${placeOf(serverReturn)} answers every request`);
  } else {
    for (const location of locations) translateLocation(location, scope, routes, ctx);
    const hasRoot = locations.some((d) => d.args.length === 1 && d.args[0] === '/') || ctx.routeOwner({ host: routes.host, path: '/' }) !== undefined;
    if (scope.root && !hasRoot) addRoute({ path: '/', scope, server: routes, ctx, origin: scope.root, leftovers: [], builtins: [] });
  }
  const at = ctx.routes.length > firstRoute ? ['routes', firstRoute] : undefined;
  for (const directive of leftovers) ctx.note(directive, whyUntranslated(directive.name), at);
  if (ctx.routes.length === firstRoute && locations.length === 0 && !serverReturn && !scope.root) {
    ctx.draft.comment(undefined, `${placeOf(server)}: this server block has no locations, root or return, so it adds no route`);
  }
}

/** A plain-HTTP server whose only job is `return 301 https://...`, in a config that has TLS servers. */
function isHttpsRedirectServer(block: readonly NginxDirective[], ctx: NginxContext): boolean {
  if (!ctx.hasTlsServer) return false;
  const listensWithSsl = block.some((d) => d.name === 'listen' && d.args.includes('ssl'));
  const serverReturn = block.find((d) => d.name === 'return');
  const [code, url = ''] = serverReturn?.args ?? [];
  return !listensWithSsl && /^30[1278]$/.test(code ?? '') && url.startsWith('https://');
}

/** server_name -> the routes' host: exact names, `*.` wildcards; `.example.com` is both. */
function serverRoutes(names: readonly NginxDirective[], isDefault: boolean, ctx: NginxContext): ServerRoutes {
  const hosts: string[] = [];
  for (const directive of names) {
    for (const name of directive.args) {
      if (name === '' || name === '_') continue;
      if (name.startsWith('~')) ctx.note(directive, `server name ${name}: wharf matches exact hosts and *.domain wildcards only`);
      else if (name.startsWith('.')) hosts.push(name.slice(1), `*${name}`);
      else if (name.endsWith('.*') || name.slice(1).includes('*')) ctx.note(directive, `server name ${name}: wharf matches exact hosts and *.domain wildcards only`);
      else if (!/^[A-Za-z0-9.-]+$/.test(name)) ctx.note(directive, `server name ${name}: not a host name wharf can match`);
      else hosts.push(name.toLowerCase());
    }
  }
  const unique = [...new Set(hosts)];
  const serverName = unique.find((h) => !h.startsWith('*'));
  if (isDefault || unique.length === 0) {
    if (isDefault && unique.length) ctx.draft.comment(undefined, `${placeOf(names[0]!)}: default_server: its routes match any host, so they take requests the other servers do not claim`);
    return { serverName };
  }
  return { host: unique.length === 1 ? unique[0] : unique, serverName };
}

/** The wharf listen address the directive stands for, when it can have one. */
function addListener(listen: NginxDirective, scope: Scope, ctx: NginxContext): string | undefined {
  const [addressText = '', ...params] = listen.args;
  const address = nginxListenAddress(addressText);
  if (!address) {
    ctx.note(listen, 'wharf listens on TCP host:port only');
    return undefined;
  }
  const unknown = params.filter((p) => !KNOWN_LISTEN_PARAMS.has(p));
  if (unknown.length) ctx.note(listen, `listen parameters ${unknown.join(' ')} have no wharf equivalent`);
  const ssl = params.includes('ssl');
  const pair = ssl ? certificatePair(listen, scope, ctx) : undefined;
  if (ssl && !pair) return undefined;
  const existing = ctx.listeners.get(address);
  if (!existing) {
    ctx.listeners.set(address, { tls: pair ? [pair] : [], directive: listen });
    return address;
  }
  if ((existing.tls.length > 0) !== ssl) {
    ctx.note(listen, `${address} is also used ${ssl ? 'without' : 'with'} ssl at ${placeOf(existing.directive)}; a wharf listener is either plain or TLS`);
    return undefined;
  }
  if (pair && !existing.tls.some((p) => p.cert === pair.cert)) existing.tls.push(pair);
  return address;
}

function certificatePair(listen: NginxDirective, scope: Scope, ctx: NginxContext): TlsPair | undefined {
  const [cert, ...moreCerts] = scope.sslCertificate;
  const [key, ...moreKeys] = scope.sslCertificateKey;
  if (!cert?.args[0] || !key?.args[0]) {
    ctx.note(listen, 'ssl without ssl_certificate and ssl_certificate_key; the listener is left out');
    return undefined;
  }
  for (const extra of [...moreCerts, ...moreKeys]) ctx.note(extra, 'wharf takes one certificate per server name (listed under tls for SNI)');
  if (/\$/.test(cert.args[0]) || /\$/.test(key.args[0])) {
    ctx.note(cert, 'certificate paths with variables cannot be translated');
    return undefined;
  }
  return { cert: cert.args[0], key: key.args[0] };
}
