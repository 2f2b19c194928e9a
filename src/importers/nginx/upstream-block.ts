// `upstream NAME { ... }` -> upstreams.NAME: servers with their parameters and the balancing method.
import type { NginxContext } from './context.js';
import type { NginxDirective } from './parse.js';
import { paramsOf } from './scope.js';
import { nginxHashKey, nginxServerAddress, nginxTime } from './values.js';

const INTEGER_PARAMS: Record<string, string> = { weight: 'weight', max_fails: 'max_fails', max_conns: 'max_conns' };
const TIME_PARAMS: Record<string, string> = { fail_timeout: 'fail_timeout', slow_start: 'slow_start' };
const FLAG_PARAMS = new Set(['backup', 'down']);

export function translateUpstream(block: NginxDirective, ctx: NginxContext): void {
  const name = block.args[0] ?? '';
  const path = ['upstreams', name];
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    ctx.failedUpstreams.add(name);
    ctx.note(block, 'upstream names in wharf use letters, digits, "_", "." and "-"');
    return;
  }
  const upstream: Record<string, unknown> = {};
  const servers: unknown[] = [];
  for (const directive of block.block ?? []) {
    const note = (why?: string, at: (string | number)[] = path) => ctx.note(directive, why, at);
    switch (directive.name) {
      case 'server': {
        const server = translateServer(directive, (why) => note(why, [...path, 'servers', servers.length]));
        if (server === undefined) note('wharf reaches upstream servers over TCP host:port only');
        else servers.push(server);
        break;
      }
      case 'least_conn':
      case 'ip_hash':
        upstream.balance = directive.name;
        break;
      case 'hash': {
        const key = nginxHashKey(directive.args[0] ?? '');
        if (!key) {
          note('wharf hashes ip, uri, path, $http_*, $cookie_* or $arg_*; this key is not one of them');
          break;
        }
        upstream.balance = 'hash';
        upstream.hash_key = key;
        if (directive.args[1] !== 'consistent') ctx.draft.comment(path, `${directive.file}:${directive.line}: wharf's hash is always consistent (ketama), so fewer keys move when servers change`);
        break;
      }
      case 'random':
        upstream.balance = 'random';
        if (directive.args[0] !== 'two') ctx.draft.comment(path, `${directive.file}:${directive.line}: wharf's random is "random two": the less busy of two random servers`);
        else if (directive.args[1] && directive.args[1] !== 'least_conn') note('wharf compares the two picks by active connections (least_conn)');
        break;
      case 'least_time': {
        upstream.balance = 'least_time';
        const [metric, extra] = directive.args;
        if (metric === 'last_byte') upstream.least_time = 'last_byte';
        else if (metric !== 'header') note('least_time takes header or last_byte');
        if (extra === 'inflight') note('wharf measures completed requests only (no inflight)');
        break;
      }
      case 'keepalive': {
        const count = Number(directive.args[0]);
        if (Number.isInteger(count) && count >= 0) upstream.keepalive = count;
        else note('not a number');
        break;
      }
      case 'queue': {
        const size = Number(directive.args[0]);
        const timeout = nginxTime(paramsOf(directive.args.slice(1)).get('timeout') ?? '60s');
        if (!Number.isInteger(size) || timeout === undefined) note('expected: queue NUMBER [timeout=TIME]');
        else upstream.queue = { size, timeout };
        break;
      }
      default:
        note(WHY_NOT[directive.name]);
    }
  }
  if (servers.length === 0) {
    ctx.failedUpstreams.add(name);
    ctx.note(block, 'no server wharf can reach, so the upstream is left out');
    return;
  }
  upstream.servers = servers;
  ctx.upstreams[name] = upstream;
}

/** One `server` line: a bare address, or an object when it has parameters. */
function translateServer(directive: NginxDirective, note: (why: string) => void): unknown {
  const [address, ...params] = directive.args;
  const target = nginxServerAddress(address ?? '');
  if (!target) return undefined;
  const server: Record<string, unknown> = { address: target.address };
  for (const [key, value] of paramsOf(params)) {
    if (FLAG_PARAMS.has(key) && value === '') server[key] = true;
    else if (INTEGER_PARAMS[key] && /^\d+$/.test(value)) server[INTEGER_PARAMS[key]!] = Number(value);
    else if (TIME_PARAMS[key] && nginxTime(value)) server[TIME_PARAMS[key]!] = nginxTime(value);
    else note(`server parameter ${value === '' ? key : `${key}=${value}`} has no wharf equivalent`);
  }
  return Object.keys(server).length === 1 ? target.address : server;
}

const WHY_NOT: Record<string, string> = {
  zone: 'wharf keeps upstream state in its own process; no shared zone is needed',
  keepalive_timeout: 'wharf keeps idle upstream connections with its own timeout',
  keepalive_requests: 'no per-connection request limit in wharf',
  keepalive_time: 'no per-connection lifetime limit in wharf',
  sticky: 'no session stickiness in wharf; balance: hash with hash_key cookie:NAME comes close',
  ntlm: 'no NTLM connection pinning in wharf',
  resolver: 'wharf resolves server names with the system resolver',
};
