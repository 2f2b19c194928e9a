// GET /api/events: Server-Sent Events for the dashboard and scripts. State changes are sent
// as they happen (instance, health, reload, alert); once a second come the live rates and a
// summary of guard rejections (the rates also keep idle proxies from closing the stream).
// The one-second timer runs only while someone is listening.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus, WharfEventMap } from './events.js';
import type { RouteRates } from './route-rates.js';
import type { RejectionTally } from './rejection-tally.js';

export interface EventStreamDeps {
  readonly events: EventBus;
  readonly rates: RouteRates;
  readonly rejections: RejectionTally;
  /** Default 1000 ms. */
  readonly tickMs?: number;
}

/** How many state-change events a new client is sent first, so the dashboard shows recent history. */
const REPLAYED = 100;

/** Bus events passed through as they come. */
const FORWARDED = ['instance', 'health', 'reload', 'alert', 'rollout', 'registry', 'cluster'] as const satisfies readonly (keyof WharfEventMap)[];

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** The last REPLAYED state-change frames, oldest first. */
  private readonly recent: { id: number; frame: string }[] = [];
  private readonly forwarders = FORWARDED.map((name) => {
    const listener = (payload: unknown) => this.broadcast(name, payload, true);
    return { name, listener };
  });

  constructor(private readonly deps: EventStreamDeps) {
    for (const { name, listener } of this.forwarders) deps.events.on(name, listener);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * A new client first gets the recent state changes (all kept, or those after the
   * Last-Event-ID an EventSource sends when it reconnects), then the live stream.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: wharf events\n\n`);
    const seen = Number(req.headers['last-event-id'] ?? 0) || 0;
    for (const { id, frame } of this.recent) if (id > seen) res.write(frame);
    res.socket?.setNoDelay(true);
    this.clients.add(res);
    const drop = () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopTimer();
    };
    // The response's 'close' comes when the client goes away (or the server shuts down).
    res.once('close', drop);
    this.send(res, 'rates', this.ratesPayload());
    this.startTimer();
  }

  close(): void {
    for (const { name, listener } of this.forwarders) this.deps.events.off(name, listener);
    this.stopTimer();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private broadcast(event: string, payload: unknown, keep = false): void {
    if (this.clients.size === 0 && !keep) return;
    const id = this.nextId;
    const frame = this.frame(event, payload);
    if (keep) {
      this.recent.push({ id, frame });
      if (this.recent.length > REPLAYED) this.recent.shift();
    }
    for (const res of this.clients) res.write(frame);
  }

  private send(res: ServerResponse, event: string, payload: unknown): void {
    res.write(this.frame(event, payload));
  }

  private frame(event: string, payload: unknown): string {
    // JSON.stringify never emits a raw newline, so one data: line is always enough.
    return `id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify({ at: Date.now(), ...(payload as object) })}\n\n`;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.deps.rejections.drain();
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.broadcast('rates', this.ratesPayload());
    const rejections = this.deps.rejections.drain();
    if (rejections.length > 0) {
      this.broadcast('rejections', { total: rejections.reduce((sum, r) => sum + r.count, 0), routes: rejections });
    }
  }

  private ratesPayload(): object {
    const routes: { route: string; rps: number; errorRate: number; p99Ms: number | null }[] = [];
    for (const [route, sample] of this.deps.rates.all()) routes.push({ route, rps: sample.rps, errorRate: sample.errorRate, p99Ms: sample.p99Ms });
    const totals = this.deps.rates.totals();
    // The last completed second, for charts that plot one point a second.
    const last = this.deps.rates.history(1);
    const second = { t: last.start, requests: last.rps[0] ?? 0, errors: last.errors[0] ?? 0, p99Ms: last.p99Ms[0] ?? null };
    return { totals: { rps: totals.rps, errorRate: totals.errorRate, p99Ms: totals.p99Ms }, second, routes };
  }
}
