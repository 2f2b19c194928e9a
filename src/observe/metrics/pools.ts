// Upstream peer state, read from the live pools when /metrics is scraped (nothing on the hot
// path). Each scrape rebuilds the series, so peers that left a pool disappear from the output.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { UpstreamPool } from '../../balance/upstream-pool.js';

export interface PoolSource {
  all(): Iterable<UpstreamPool>;
}

type PeerLabels = 'upstream' | 'peer';

export function registerPoolMetrics(registry: Registry, pools: PoolSource): void {
  const registers = [registry];
  const perPeer = (name: string, help: string, read: (peer: UpstreamPool['peers'][number], now: number) => number) =>
    new Gauge<PeerLabels>({
      name,
      help,
      labelNames: ['upstream', 'peer'],
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const pool of pools.all()) for (const peer of pool.peers) this.set({ upstream: pool.name, peer: peer.address }, read(peer, now));
      },
    });
  const perPeerTotal = (name: string, help: string, read: (peer: UpstreamPool['peers'][number]) => number) =>
    new Counter<PeerLabels>({
      name,
      help,
      labelNames: ['upstream', 'peer'],
      registers,
      collect() {
        // The peer keeps the running total; the counter mirrors it at each scrape.
        this.reset();
        for (const pool of pools.all()) for (const peer of pool.peers) this.inc({ upstream: pool.name, peer: peer.address }, read(peer));
      },
    });

  perPeer('wharf_upstream_peer_up', '1 when the peer can take requests (not down, draining, unhealthy or benched by max_fails).', (peer, now) => (peer.isUp(now) ? 1 : 0));
  perPeer('wharf_upstream_peer_healthy', 'Active health check verdict: 1 healthy, 0 failing.', (peer) => (peer.healthy ? 1 : 0));
  perPeer('wharf_upstream_peer_in_flight', 'Requests in flight to the peer right now.', (peer) => peer.inFlight);
  perPeer('wharf_upstream_peer_fails', 'Passive health failures counted in the current fail_timeout window.', (peer) => peer.fails);
  perPeer('wharf_upstream_peer_latency_seconds', 'Moving average of the peer response time (0 before the first sample).', (peer) => peer.latencyMs / 1000);
  perPeerTotal('wharf_upstream_peer_requests_total', 'Requests the peer has finished, failed or not.', (peer) => peer.totalRequests);
  perPeerTotal('wharf_upstream_peer_failures_total', 'Requests to the peer that failed (connect errors, timeouts, 502...).', (peer) => peer.totalFailures);

  new Gauge<'upstream'>({
    name: 'wharf_upstream_available_peers',
    help: 'Peers of the upstream that can take requests right now; 0 means requests get 502/503.',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const pool of pools.all()) {
        let up = 0;
        for (const peer of pool.peers) if (peer.isUp(now)) up++;
        this.set({ upstream: pool.name }, up);
      }
    },
  });
  new Gauge<'upstream'>({
    name: 'wharf_upstream_queued_requests',
    help: 'Requests waiting in the upstream queue for a peer with free capacity.',
    labelNames: ['upstream'],
    registers,
    collect() {
      this.reset();
      for (const pool of pools.all()) this.set({ upstream: pool.name }, pool.queued);
    },
  });
}
