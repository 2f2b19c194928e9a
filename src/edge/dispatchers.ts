// One undici Pool per upstream address (and connection settings), shared by every runtime so
// keep-alive connections survive reloads. Pools unused for a while are closed: app instances
// come and go on fresh ports, and a pool per port ever seen would only grow.
import { Pool } from 'undici';
import type { PoolConfig } from '../config/model.js';

interface Entry {
  readonly pool: Pool;
  readonly connectTimeoutMs: number;
  readonly keepAlive: boolean;
  lastUsed: number;
}

export interface DispatcherTableOptions {
  /** A pool with no request for this long is closed (a later request opens a new one). */
  readonly idleMs?: number;
  /** How often idle pools are looked for. */
  readonly sweepMs?: number;
}

export class DispatcherTable {
  /** By address, then by connection settings (nearly always one entry): no key string per request. */
  private readonly pools = new Map<string, Entry[]>();
  private readonly idleMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: DispatcherTableOptions = {}) {
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.sweeper = setInterval(() => this.sweep(Date.now()), options.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    let count = 0;
    for (const entries of this.pools.values()) count += entries.length;
    return count;
  }

  get(address: string, config: PoolConfig): Pool {
    const now = Date.now();
    const keepAlive = config.keepalive > 0;
    let entries = this.pools.get(address);
    if (!entries) this.pools.set(address, (entries = []));
    let entry: Entry | undefined;
    for (const candidate of entries) {
      if (candidate.connectTimeoutMs === config.connectTimeoutMs && candidate.keepAlive === keepAlive) {
        entry = candidate;
        break;
      }
    }
    if (!entry) {
      const pool = new Pool(`http://${address}`, {
        connect: { timeout: config.connectTimeoutMs },
        // pipelining 0 makes undici close each connection after its request (keepalive: 0).
        pipelining: keepAlive ? 1 : 0,
        keepAliveTimeout: 4_000,
        connections: null,
        strictContentLength: true,
      });
      entry = { pool, connectTimeoutMs: config.connectTimeoutMs, keepAlive, lastUsed: now };
      entries.push(entry);
    }
    entry.lastUsed = now;
    return entry.pool;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.pools.values()].flat().map((entry) => entry.pool);
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  /** Closes pools unused since `now - idleMs`; requests still running on them finish first. */
  sweep(now: number): void {
    for (const [address, entries] of this.pools) {
      const kept = entries.filter((entry) => {
        if (now - entry.lastUsed < this.idleMs) return true;
        void entry.pool.close().catch(() => undefined);
        return false;
      });
      if (kept.length === 0) this.pools.delete(address);
      else if (kept.length < entries.length) this.pools.set(address, kept);
    }
  }
}
