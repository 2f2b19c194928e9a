// A listening server that accepts through several handles. libuv (1.45 and later) accepts one
// connection per handle in each event-loop turn. A turn of a busy proxy lasts as long as serving
// every ready socket takes (tens of milliseconds at a few hundred connections), so a burst of new
// connections used to wait in the kernel's queue, one turn each: 200 took over 3 seconds. Each
// extra handle polls its own descriptor for the same socket (listen-fd-copies.ts) and hands what
// it accepts to the primary server as a 'connection', so `count` handles accept up to `count`
// connections per turn and everything above the socket stays as it was.
import { Server, type Socket } from 'node:net';
import { copyListeningSocket } from './listen-fd-copies.js';

/** The options net.Server keeps on itself and applies to each accepted socket. */
interface AcceptOptions {
  readonly allowHalfOpen?: boolean;
  readonly noDelay?: boolean;
  readonly keepAlive?: boolean;
  readonly keepAliveInitialDelay?: number;
  readonly highWaterMark?: number;
}

export class AcceptHandles {
  private constructor(private readonly extra: Server[]) {}

  /** `primary` (listening) plus `extra` more handles on its socket. */
  static async add(primary: Server, extra: number): Promise<AcceptHandles> {
    const handles = new AcceptHandles([]);
    if (extra <= 0) return handles;
    const { allowHalfOpen, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark } = primary as Server & AcceptOptions;
    const options = { allowHalfOpen, noDelay, keepAlive, keepAliveInitialDelay, highWaterMark };
    try {
      await copyListeningSocket(primary, extra, (copy) => {
        const server = new Server(options, (socket: Socket) => primary.emit('connection', socket));
        // listen() on a descriptor that already listens only starts polling it, at once: the
        // copy is never polled as a plain stream.
        server.listen(copy);
        handles.extra.push(server);
      });
    } catch (error) {
      await handles.close();
      throw error;
    }
    return handles;
  }

  /** Handles accepting, the primary's included. */
  get count(): number {
    return this.extra.length + 1;
  }

  /**
   * Stops the extra handles accepting and closes their descriptors; the socket stops listening
   * once the primary closes too. Connections they accepted belong to the primary's server.
   */
  close(): Promise<void> {
    const closing = this.extra.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    this.extra.length = 0;
    return Promise.all(closing).then(() => undefined);
  }
}
