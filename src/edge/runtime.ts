// Everything the hot path needs, built once from a config snapshot: the router over
// compiled routes (guards and handler resolved), the trusted-proxy set, the timeouts.
// A reload builds a new Runtime and swaps one reference; in-flight requests keep the old one.
import type { RouteConfig, Snapshot } from '../config/model.js';
import type { PoolLookup } from '../balance/pool-directory.js';
import type { Guard } from '../guard/guard.js';
import { buildGuards } from '../guard/chain.js';
import type { LimitLease } from '../guard/limit-store.js';
import { createThrottle } from '../guard/limit-rate.js';
import { AddressSet } from '../net/cidr.js';
import { resolveClientIp } from '../net/real-ip.js';
import { hashKeyReader } from '../balance/hash-key.js';
import { Router, type Routable } from './router.js';
import { formatAddress } from '../net/address.js';
import { ProxyRoute, type RetryLog } from './proxy.js';
import { StaticHandler, type StaticResponse } from './static/static-handler.js';
import { directSink, throttledSink } from './response-sink.js';
import type { DispatcherTable } from './dispatchers.js';
import type { Exchange } from './exchange.js';
import type { UpstreamPool } from '../balance/upstream-pool.js';
import type { TrafficSplit } from '../balance/traffic-split.js';
import { sendText } from './responses.js';
import type { StreamMeter } from '../observe/heap-trim.js';

export interface RouteHandler {
  handle(ex: Exchange): void;
}

export interface CompiledRoute extends Routable {
  readonly config: RouteConfig;
  readonly name: string;
  readonly guards: readonly Guard[];
  readonly handler: RouteHandler;
  /** Set for proxy routes: the pool, and the proxy WebSocket upgrades go through. */
  readonly pool?: UpstreamPool;
  readonly proxy?: ProxyRoute;
}

export interface RuntimeDeps {
  /** Pools by name; during a reload, the staged set (nothing is changed until the runtime is built). */
  readonly pools: PoolLookup;
  readonly dispatchers: DispatcherTable;
  /** Canary splits: which of an app's pools a request goes to. */
  readonly split?: TrafficSplit;
  /** Limit guards kept across reloads (see LimitStore); the caller adopts it once this runtime is live. */
  readonly limits?: LimitLease;
  readonly retryLog?: RetryLog;
  readonly meter?: StreamMeter;
}

export class Runtime {
  readonly router: Router<CompiledRoute>;
  readonly routes: readonly CompiledRoute[];
  private readonly trusted: AddressSet;
  private readonly byListener = new Map<string, Router<CompiledRoute>>();

  constructor(
    readonly snapshot: Snapshot,
    deps: RuntimeDeps,
  ) {
    this.trusted = new AddressSet(snapshot.trustedProxies);
    this.routes = snapshot.routes.map((route) => compileRoute(route, snapshot, deps));
    this.router = new Router(this.routes);
    // Routes that name their listeners (an nginx server's `listen`) get a router per listener;
    // without any, every listener shares the one router.
    if (snapshot.routes.some((route) => route.listeners.length > 0)) {
      for (const listen of snapshot.listen) {
        const address = formatAddress(listen);
        this.byListener.set(address, new Router(this.routes.filter((r) => r.config.listeners.length === 0 || r.config.listeners.includes(address))));
      }
    }
  }

  /** The router for requests that came in on the listener at `address` (host:port as configured). */
  routerFor(address: string): Router<CompiledRoute> {
    return this.byListener.get(address) ?? this.router;
  }

  clientIp(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    const remote = remoteAddress ?? '';
    if (forwardedFor === undefined) return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
    return resolveClientIp(remote, Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor, this.trusted);
  }
}

function compileRoute(route: RouteConfig, snapshot: Snapshot, deps: RuntimeDeps): CompiledRoute {
  const guards = buildGuards(route, { maxKeys: snapshot.maxGuardKeys, limits: deps.limits });
  const base = { config: route, name: route.name, hosts: route.hosts, path: route.path, guards };
  const prefix = route.path === '/' ? '' : route.path.replace(/\/+$/, '');
  const action = route.action;
  if (action.kind === 'static') {
    const files = new StaticHandler(action.root);
    return {
      ...base,
      handler: { handle: (ex) => files.handle(ex.req, ex.res as StaticResponse, stripPrefix(rawPathOf(ex.req.url ?? '/'), prefix)) },
    };
  }
  if (action.kind === 'redirect') {
    return {
      ...base,
      handler: {
        handle: (ex) => {
          const to = action.to.replace(/\$host/g, ex.host).replace(/\$request_uri/g, ex.req.url ?? '/');
          ex.status = action.status;
          ex.res.statusCode = action.status;
          ex.bytesOut = sendText(ex.res, action.status, { location: to }, `Moved to ${to}`);
        },
      },
    };
  }
  const pool = deps.pools.get(action.pool);
  if (!pool) throw new Error(`route ${route.name}: pool ${action.pool} does not exist`);
  // The snapshot's pool config, not the live pool's: during a reload the pool is reconfigured only after this runtime is built.
  const poolConfig = snapshot.upstreams.get(action.pool) ?? snapshot.apps.get(action.pool) ?? pool.config;
  const readHashKey = poolConfig.balance === 'hash' ? hashKeyReader(poolConfig.hashKey) : undefined;
  const proxy = new ProxyRoute({
    pool,
    split: deps.split,
    dispatchers: deps.dispatchers,
    stripPrefix: action.stripPrefix ? prefix : '',
    maxBody: route.maxBody,
    clientBodyTimeoutMs: snapshot.timeouts.clientBodyMs,
    sink: route.limitRate > 0 ? throttledSink(() => createThrottle(route.limitRate, route.limitRateAfter)) : directSink,
    retryLog: deps.retryLog,
    meter: deps.meter,
    hashValue: readHashKey ? (ex) => readHashKey({ url: ex.req.url ?? '/', headers: ex.req.headers }, ex.clientIp) : undefined,
  });
  return { ...base, handler: proxy, pool, proxy };
}

function rawPathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function stripPrefix(path: string, prefix: string): string {
  if (!prefix || !path.startsWith(prefix)) return path;
  const rest = path.slice(prefix.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
