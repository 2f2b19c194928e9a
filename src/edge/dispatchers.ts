// One undici Pool per upstream address (and connection settings), shared by every runtime so
// keep-alive connections survive reloads.
import { Pool } from 'undici';
import type { PoolConfig } from '../config/model.js';

export class DispatcherTable {
  private readonly pools = new Map<string, Pool>();

  get(address: string, config: PoolConfig): Pool {
    const key = `${address}|${config.connectTimeoutMs}|${config.keepalive > 0 ? 1 : 0}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(`http://${address}`, {
        connect: { timeout: config.connectTimeoutMs },
        // pipelining 0 makes undici close each connection after its request (keepalive: 0).
        pipelining: config.keepalive > 0 ? 1 : 0,
        keepAliveTimeout: 4_000,
        connections: null,
        strictContentLength: true,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Closes pools for addresses no longer in any pool (idle connections go, in-flight finish). */
  retain(addresses: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (!addresses.has(key.slice(0, key.indexOf('|')))) {
        this.pools.delete(key);
        void pool.close().catch(() => undefined);
      }
    }
  }

  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
