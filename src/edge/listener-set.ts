// The public listeners of one config, kept in line with each new snapshot: new addresses are
// bound first (if one cannot be, nothing already listening has changed), kept ones take new
// certificates and settings in place, removed ones drain and close.
import type { Snapshot } from '../config/model.js';
import type { Logger } from '../observe/logger.js';
import type { EdgeHandler } from './edge-handler.js';
import { Listener, listenerKey } from './listener.js';

/** A request the HTTP parser refused: status, error code and the client's address. */
export type ClientErrorSink = (status: number, code: string, remoteAddress: string) => void;

export class ListenerSet {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly edge: EdgeHandler,
    private readonly logger: Logger,
    private readonly clientError: ClientErrorSink,
    /** Handles per listening socket (net/accept-handles.ts); 1 in-process, more under `wharf up`. */
    private readonly acceptHandles = 1,
  ) {}

  addresses(): { host: string; port: number; tls: boolean }[] {
    return [...this.listeners.values()].map((l) => ({ host: l.host, port: l.port, tls: Boolean(l.config.tls) }));
  }

  sum(count: (listener: Listener) => number): number {
    let total = 0;
    for (const listener of this.listeners.values()) total += count(listener);
    return total;
  }

  async apply(snapshot: Snapshot): Promise<void> {
    const wanted = new Map(snapshot.listen.map((config) => [listenerKey(config), config]));
    const settings = {
      clientHeaderMs: snapshot.timeouts.clientHeaderMs,
      keepaliveMs: snapshot.timeouts.keepaliveMs,
      maxHeaderSize: snapshot.maxHeaderSize,
      http2MaxConcurrentStreams: snapshot.http2MaxConcurrentStreams,
    };
    const started: Listener[] = [];
    try {
      for (const [key, config] of wanted) {
        if (this.listeners.has(key)) continue;
        const listener = new Listener(config, this.edge, settings, this.logger, this.clientError, this.acceptHandles);
        await listener.start();
        started.push(listener);
      }
    } catch (error) {
      await Promise.all(started.map((l) => l.close(Promise.resolve())));
      throw error;
    }
    for (const [key, config] of wanted) {
      const existing = this.listeners.get(key);
      existing?.updateCertificates(config);
      existing?.updateSettings(settings);
    }
    for (const listener of started) this.listeners.set(listener.key, listener);
    for (const [key, listener] of this.listeners) {
      if (!wanted.has(key)) {
        this.listeners.delete(key);
        void listener.close(new Promise((resolve) => setTimeout(resolve, snapshot.timeouts.shutdownMs)));
      }
    }
  }

  /** Stops accepting; in-flight requests have until `deadline`. */
  async close(deadline: Promise<void>): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.close(deadline)));
    this.listeners.clear();
  }

  /** close() with a deadline `graceMs` from now (timeouts.shutdown); its timer never outlives the close. */
  async closeWithin(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await this.close(deadline);
    clearTimeout(timer);
  }
}
