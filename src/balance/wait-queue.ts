// Requests waiting for a peer with free capacity (max_conns) under an upstream's
// `queue: { size, timeout }`, served first come, first served. A waiter leaves the queue with
// a peer, or with undefined on timeout, abort, or when waiting can no longer help.
import type { PickContext } from './balancer.js';
import type { Peer } from './peer.js';

export interface Waiter {
  readonly ctx: PickContext;
  readonly tried: ReadonlySet<Peer>;
  settle(peer: Peer | undefined): void;
}

export class WaitQueue {
  private readonly waiters: Waiter[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /** Adds a waiter; resolves with its peer, or undefined after `timeoutMs` or on abort. */
  enqueue(ctx: PickContext, tried: ReadonlySet<Peer>, timeoutMs: number, signal?: AbortSignal): Promise<Peer | undefined> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => waiter.settle(undefined);
      const waiter: Waiter = {
        ctx,
        tried,
        settle: (peer) => {
          const index = this.waiters.indexOf(waiter);
          if (index < 0) return;
          this.waiters.splice(index, 1);
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(peer);
        },
      };
      this.waiters.push(waiter);
      if (timeoutMs > 0) timer = setTimeout(onAbort, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Waiters in arrival order (a copy: settling one removes it from the queue). */
  snapshot(): readonly Waiter[] {
    return [...this.waiters];
  }
}
