// One undici Pool per upstream address (and connection settings), shared by every runtime so
// keep-alive connections survive reloads. Pools unused for a while are closed: app instances
// come and go on fresh ports, and a pool per port ever seen would only grow.
import { Pool } from 'undici';
import type { PoolConfig } from '../config/model.js';

interface Entry {
  readonly pool: Pool;
  lastUsed: number;
}

export interface DispatcherTableOptions {
  /** A pool with no request for this long is closed (a later request opens a new one). */
  readonly idleMs?: number;
  /** How often idle pools are looked for. */
  readonly sweepMs?: number;
}

export class DispatcherTable {
  private readonly pools = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: DispatcherTableOptions = {}) {
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.sweeper = setInterval(() => this.sweep(Date.now()), options.sweepMs ?? 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.pools.size;
  }

  get(address: string, config: PoolConfig): Pool {
    const key = `${address}|${config.connectTimeoutMs}|${config.keepalive > 0 ? 1 : 0}`;
    const now = Date.now();
    let entry = this.pools.get(key);
    if (!entry) {
      const pool = new Pool(`http://${address}`, {
        connect: { timeout: config.connectTimeoutMs },
        // pipelining 0 makes undici close each connection after its request (keepalive: 0).
        pipelining: config.keepalive > 0 ? 1 : 0,
        keepAliveTimeout: 4_000,
        connections: null,
        strictContentLength: true,
      });
      entry = { pool, lastUsed: now };
      this.pools.set(key, entry);
    }
    entry.lastUsed = now;
    return entry.pool;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const pools = [...this.pools.values()].map((entry) => entry.pool);
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  /** Closes pools unused since `now - idleMs`; requests still running on them finish first. */
  sweep(now: number): void {
    for (const [key, entry] of this.pools) if (now - entry.lastUsed >= this.idleMs) this.drop(key, entry);
  }

  private drop(key: string, entry: Entry): void {
    this.pools.delete(key);
    void entry.pool.close().catch(() => undefined);
  }
}
