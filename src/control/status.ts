// The status model behind `GET /api/status` and `wharf status` (shape fixed by CONTRACT.md;
// extra fields are additions).
import type { Snapshot } from '../config/model.js';
import type { PoolDirectory } from '../balance/pool-directory.js';
import type { Runtime } from '../edge/runtime.js';
import type { AppStatus, Supervisor } from '../supervise/supervisor.js';
import type { RateSample, RouteRates } from '../observe/route-rates.js';
import type { ServiceStatus } from '../registry/registry-status.js';

/** Live numbers over the last few seconds (RouteRates' window). */
export interface LiveRate {
  readonly rps: number;
  /** Share (0..1) of 5xx answers. */
  readonly error_rate: number;
  /** null without requests in the window. */
  readonly p99_ms: number | null;
}

export interface ServerStatus {
  readonly address: string;
  readonly weight: number;
  readonly backup: boolean;
  readonly down: boolean;
  readonly healthy: boolean;
  /** Requests in flight right now. */
  readonly active: number;
  readonly fails: number;
  readonly requests: number;
  readonly latency_ms: number;
}

export interface UpstreamStatus {
  readonly name: string;
  readonly kind: 'upstream' | 'app';
  readonly balance: string;
  readonly servers: readonly ServerStatus[];
}

export interface WharfStatus {
  readonly config: { readonly file: string; readonly hash: string };
  /** Cluster mode: this node, whether it reaches etcd, the applied config revision it runs and the latest. */
  readonly cluster?: { readonly node: string; readonly state: 'connected' | 'degraded'; readonly revision: number; readonly latest: number; readonly leader: boolean; readonly nodes: number };
  /** Whether actions (POSTs) need `Authorization: Bearer TOKEN`; the dashboard asks first. */
  readonly control?: { readonly token_required: boolean };
  readonly apps: readonly AppStatus[];
  readonly upstreams: readonly UpstreamStatus[];
  readonly routes: readonly {
    readonly name: string;
    readonly hosts: readonly string[];
    readonly path: string;
    readonly target: string;
    readonly rate?: LiveRate;
  }[];
  /** Every request the edge answered (matched or not), when live rates are kept. */
  readonly totals?: LiveRate & { readonly window_seconds: number };
  /** The registry: services, their instances and check states. */
  readonly services?: readonly ServiceStatus[];
}

function liveRate(sample: RateSample): LiveRate {
  return { rps: sample.rps, error_rate: sample.errorRate, p99_ms: sample.p99Ms };
}

export function buildStatus(
  snapshot: Snapshot, pools: PoolDirectory, supervisor: Supervisor, runtime: Runtime, rates?: RouteRates, services?: readonly ServiceStatus[],
): WharfStatus {
  return {
    config: { file: snapshot.file, hash: snapshot.hash },
    control: { token_required: true },
    apps: supervisor.status(),
    upstreams: [...pools.all()].map((pool) => ({
      name: pool.name,
      kind: snapshot.apps.has(pool.name) ? 'app' : 'upstream',
      balance: pool.config.balance,
      servers: pool.peers.map((peer) => ({
        address: peer.address,
        weight: peer.config.weight,
        backup: peer.config.backup,
        down: peer.config.down,
        healthy: pool.isPeerUp(peer),
        active: peer.inFlight,
        fails: peer.fails,
        requests: peer.totalRequests,
        latency_ms: Math.round(peer.latencyMs * 100) / 100,
      })),
    })),
    routes: runtime.routes.map((route) => ({
      name: route.name,
      hosts: route.hosts,
      path: route.path,
      target: route.config.action.kind === 'proxy' ? `proxy ${route.config.action.pool}` : route.config.action.kind === 'static' ? `static ${route.config.action.root}` : `redirect ${route.config.action.to}`,
      ...(rates && { rate: liveRate(rates.route(route.name)) }),
    })),
    ...(rates && { totals: { ...liveRate(rates.totals()), window_seconds: rates.windowSeconds } }),
    ...(services && { services }),
  };
}
