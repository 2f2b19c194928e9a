// Alerts as the webhook receiver sees them: one POST when an incident starts and one when it
// ends, for an instance going fatal, an upstream left without a healthy server, and a route
// whose 5xx share stays above the threshold for the configured time.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigLoader } from '../../src/config/load.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { EventBus, type AlertEvent } from '../../src/observe/events.js';
import { createLogger } from '../../src/observe/logger.js';
import { RouteRates } from '../../src/observe/route-rates.js';
import { Alerter, type AlertPayload } from '../../src/observe/alerts/alerter.js';
import { WebhookSender } from '../../src/observe/alerts/webhook.js';
import { InstanceTracker } from '../../src/observe/alerts/instance-tracker.js';
import { InstanceFatalRule } from '../../src/observe/alerts/instance-fatal.js';
import { UpstreamUnavailableRule } from '../../src/observe/alerts/upstream-unavailable.js';
import { ErrorRateRule } from '../../src/observe/alerts/error-rate.js';
import { startBackend, type Backend } from '../helpers/backends.js';
import { waitFor } from './support.js';

const logger = createLogger('silent');

describe('alerts', () => {
  let hook: Backend;
  let failNext = 0;
  const received: AlertPayload[] = [];
  let url = '';

  before(async () => {
    hook = await startBackend('hook', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end();
          return;
        }
        assert.equal(req.headers['content-type'], 'application/json');
        received.push(JSON.parse(body) as AlertPayload);
        res.writeHead(204).end();
      });
    });
    url = `http://${hook.address}/hook`;
  });
  after(() => hook.close());
  beforeEach(() => {
    received.length = 0;
    failNext = 0;
  });

  function build(options: { errorRate?: { threshold: number; forMs: number }; now?: () => number; holdMs?: number } = {}) {
    const snapshot = new ConfigLoader({}).fromText('/nowhere/wharf.yaml', 'upstreams:\n  legacy: { servers: [127.0.0.1:9001, 127.0.0.1:9002] }\n');
    const pools = new PoolDirectory();
    pools.reconcile(snapshot);
    const events = new EventBus();
    const published: AlertEvent[] = [];
    events.on('alert', (event) => published.push(event));
    const rates = new RouteRates({ now: options.now });
    const instances = new InstanceTracker(events);
    const sender = new WebhookSender(logger, { retryDelayMs: 10 });
    const alerter = new Alerter({
      events,
      logger,
      sender,
      rules: [new InstanceFatalRule(instances), new UpstreamUnavailableRule(pools, instances, options.holdMs ?? 0), new ErrorRateRule(rates, () => options.errorRate)],
    });
    alerter.configure({ webhooks: [url], ...(options.errorRate && { errorRate: options.errorRate }) });
    const stop = () => {
      alerter.stop();
      instances.stop();
    };
    return { pools, events, rates, alerter, sender, published, stop };
  }

  test('an upstream with no healthy server fires once and resolves once', async () => {
    const { pools, alerter, sender, published, stop } = build();
    const pool = pools.get('legacy')!;
    const t0 = Date.now();
    pool.markHealth(pool.peers[0]!, false);
    alerter.evaluate(t0);
    assert.equal(published.length, 0, 'one healthy server left is no incident');
    pool.markHealth(pool.peers[1]!, false);
    for (let i = 0; i < 5; i++) alerter.evaluate(t0 + i * 1000);
    pool.markHealth(pool.peers[1]!, true);
    for (let i = 5; i < 8; i++) alerter.evaluate(t0 + i * 1000);
    await sender.idle();
    assert.deepEqual(
      received.map((p) => [p.status, p.alert, p.key]),
      [
        ['firing', 'upstream_unavailable', 'legacy'],
        ['resolved', 'upstream_unavailable', 'legacy'],
      ],
    );
    assert.equal(received[0]!.labels.upstream, 'legacy');
    assert.equal(received[0]!.source, 'wharf');
    assert.ok(!Number.isNaN(Date.parse(received[1]!.endsAt!)));
    assert.equal(published.length, 2);
    stop();
  });

  test('a hold time keeps a short dip from firing', async () => {
    const { pools, alerter, sender, stop } = build({ holdMs: 3000 });
    const pool = pools.get('legacy')!;
    const t0 = Date.now();
    for (const peer of pool.peers) pool.markHealth(peer, false);
    alerter.evaluate(t0);
    alerter.evaluate(t0 + 2000);
    for (const peer of pool.peers) pool.markHealth(peer, true);
    alerter.evaluate(t0 + 3000);
    await sender.idle();
    assert.equal(received.length, 0);
    stop();
  });

  test('an instance going fatal fires; starting it again resolves', async () => {
    const { events, alerter, sender, stop } = build();
    events.emit('instance', { app: 'books', id: 1, from: 'starting', to: 'exited' });
    events.emit('instance', { app: 'books', id: 1, from: 'exited', to: 'fatal', reason: 'crash loop: 5 exits within 60s' });
    alerter.evaluate();
    alerter.evaluate();
    events.emit('instance', { app: 'books', id: 1, from: 'fatal', to: 'starting' });
    alerter.evaluate();
    await sender.idle();
    assert.deepEqual(
      received.map((p) => [p.status, p.alert, p.key]),
      [
        ['firing', 'instance_fatal', 'books/1'],
        ['resolved', 'instance_fatal', 'books/1'],
      ],
    );
    assert.match(received[0]!.summary, /crash loop/);
    stop();
  });

  test("a route's 5xx share above the threshold fires only after holding for `for`", async () => {
    let now = 1_700_000_000_000;
    const { rates, alerter, sender, stop } = build({ errorRate: { threshold: 0.5, forMs: 3000 }, now: () => now });
    const second = (errors: number, ok: number) => {
      for (let i = 0; i < errors; i++) rates.record('/api', 503, 1);
      for (let i = 0; i < ok; i++) rates.record('/api', 200, 1);
      alerter.evaluate(now);
      now += 1000;
    };
    second(8, 2);
    second(8, 2);
    second(8, 2);
    await sender.idle();
    assert.equal(received.length, 0, 'fired before the condition held for 3s');
    second(8, 2);
    await sender.idle();
    assert.deepEqual(received.map((p) => [p.status, p.key]), [['firing', '/api']]);
    // Healthy traffic dilutes the window below 50%: resolved once.
    for (let i = 0; i < 12; i++) second(0, 100);
    await sender.idle();
    assert.deepEqual(received.map((p) => [p.status, p.key]), [
      ['firing', '/api'],
      ['resolved', '/api'],
    ]);
    stop();
  });

  test('a failed delivery is retried until the receiver takes it', async () => {
    const { events, alerter, sender, stop } = build();
    failNext = 2;
    events.emit('instance', { app: 'web', id: 0, from: 'exited', to: 'fatal' });
    alerter.evaluate();
    await sender.idle();
    assert.equal(received.length, 1);
    assert.equal(received[0]!.status, 'firing');
    stop();
  });

  test('without alerts in the config nothing is evaluated or sent', async () => {
    const { events, alerter, sender, published, stop } = build();
    alerter.configure(undefined);
    events.emit('instance', { app: 'web', id: 0, from: 'exited', to: 'fatal' });
    alerter.evaluate();
    await sender.idle();
    assert.equal(received.length, 0);
    assert.equal(published.length, 0);
    stop();
  });

  test('the timer evaluates on its own once configured', async () => {
    const { events, stop } = build();
    events.emit('instance', { app: 'web', id: 2, from: 'exited', to: 'fatal' });
    await waitFor('the fatal alert', () => received.length === 1, 5000);
    assert.equal(received[0]!.key, 'web/2');
    stop();
  });
});
