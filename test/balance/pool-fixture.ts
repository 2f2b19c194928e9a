// Builds real pools from config text (the way wharf does) and picks from them in tests.
import { ConfigLoader } from '../../src/config/load.js';
import type { Snapshot } from '../../src/config/model.js';
import type { PickContext } from '../../src/balance/balancer.js';
import type { Peer } from '../../src/balance/peer.js';
import { PeerTable } from '../../src/balance/peer.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { UpstreamPool } from '../../src/balance/upstream-pool.js';

/** One loader for every pool built here: compiling the config schema is most of a test's time. */
export const LOADER = new ConfigLoader({});

/** A config with one upstream `u`; `upstream` is its YAML/JSON body. */
export function snapshotWith(upstream: Record<string, unknown>, more: Record<string, unknown> = {}): Snapshot {
  return LOADER.fromText('/nowhere/wharf.yaml', JSON.stringify({ upstreams: { u: upstream, ...more } }));
}

export function poolOf(upstream: Record<string, unknown>): { pool: UpstreamPool; directory: PoolDirectory } {
  const directory = new PoolDirectory();
  directory.reconcile(snapshotWith(upstream));
  return { pool: directory.get('u')!, directory };
}

/** A hand-moved clock (ms since the epoch) for fail_timeout and slow_start. */
export class TestClock {
  at = 1_700_000_000_000;
  readonly now = (): number => this.at;

  advance(ms: number): void {
    this.at += ms;
  }
}

/** The pool for upstream `u`, reading time from `clock` instead of Date.now. */
export function clockedPool(upstream: Record<string, unknown>, clock: TestClock): UpstreamPool {
  const config = snapshotWith(upstream).upstreams.get('u')!;
  return new UpstreamPool(config, new PeerTable(), config.servers, clock.now);
}

/** Server address for a one-letter name: a -> 127.0.0.1:9001, b -> :9002 ... */
export const addr = (name: string): string => `127.0.0.1:${9000 + name.charCodeAt(0) - 96}`;
export const nameOf = (peer: Peer | undefined): string => (peer ? String.fromCharCode(Number(peer.address.split(':')[1]) - 9000 + 96) : '-');

export const ctx = (clientIp = '127.0.0.1', hashValue?: string): PickContext => ({ clientIp, hashValue });

/** n picks, each released as a success at once (sequential traffic), as letters. */
export function sequence(pool: UpstreamPool, n: number, context: PickContext = ctx()): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const peer = pool.select(context, new Set());
    out += nameOf(peer);
    if (peer) pool.release(peer, { ok: true, firstByteMs: 1, totalMs: 1 });
  }
  return out;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
