// Upstream peer state, read from the live pools when /metrics is scraped (nothing on the hot
// path). Each scrape rebuilds the series, so peers that left a pool disappear from the output.
import type { Registry } from 'prom-client';
import type { UpstreamPool } from '../../balance/upstream-pool.js';
import { registerScraped, type Sample } from './scraped.js';

export interface PoolSource {
  all(): Iterable<UpstreamPool>;
}

type PeerLabels = 'upstream' | 'peer';
type PoolPeer = UpstreamPool['peers'][number];

export function registerPoolMetrics(registry: Registry, pools: PoolSource): void {
  // A counter mirrors the running total the peer keeps.
  const perPeer = (type: 'gauge' | 'counter', name: string, help: string, read: (peer: PoolPeer, now: number) => number) =>
    registerScraped<PeerLabels>(registry, type, {
      name,
      help,
      labelNames: ['upstream', 'peer'],
      *samples(): Generator<Sample<PeerLabels>> {
        const now = Date.now();
        for (const pool of pools.all()) for (const peer of pool.peers) yield [{ upstream: pool.name, peer: peer.address }, read(peer, now)];
      },
    });
  const perPool = (name: string, help: string, read: (pool: UpstreamPool, now: number) => number) =>
    registerScraped<'upstream'>(registry, 'gauge', {
      name,
      help,
      labelNames: ['upstream'],
      *samples(): Generator<Sample<'upstream'>> {
        const now = Date.now();
        for (const pool of pools.all()) yield [{ upstream: pool.name }, read(pool, now)];
      },
    });

  perPeer('gauge', 'wharf_upstream_peer_up', '1 when the peer can take requests (not down, draining, unhealthy or benched by max_fails).', (peer, now) => (peer.isUp(now) ? 1 : 0));
  perPeer('gauge', 'wharf_upstream_peer_healthy', 'Active health check verdict: 1 healthy, 0 failing.', (peer) => (peer.healthy ? 1 : 0));
  perPeer('gauge', 'wharf_upstream_peer_in_flight', 'Requests in flight to the peer right now.', (peer) => peer.inFlight);
  perPeer('gauge', 'wharf_upstream_peer_fails', 'Passive health failures counted in the current fail_timeout window.', (peer) => peer.fails);
  perPeer('gauge', 'wharf_upstream_peer_latency_seconds', 'Moving average of the peer response time (0 before the first sample).', (peer) => peer.latencyMs / 1000);
  perPeer('counter', 'wharf_upstream_peer_requests_total', 'Requests the peer has finished, failed or not.', (peer) => peer.totalRequests);
  perPeer('counter', 'wharf_upstream_peer_failures_total', 'Requests to the peer that failed (connect errors, timeouts, 502...).', (peer) => peer.totalFailures);

  perPool('wharf_upstream_available_peers', 'Peers of the upstream that can take requests right now; 0 means requests get 502/503.', (pool, now) =>
    pool.peers.reduce((up, peer) => (peer.isUp(now) ? up + 1 : up), 0),
  );
  perPool('wharf_upstream_queued_requests', 'Requests waiting in the upstream queue for a peer with free capacity.', (pool) => pool.queued);
}
