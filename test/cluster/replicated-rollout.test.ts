// The rollout state machine replicated through etcd: two nodes' release managers (each with its
// own client on a different etcd member) racing the same rollout's transition: exactly one
// wins, the other is refused and, once it has read the winner's state, refuses a move the
// table forbids with the very sentence and code the winner gives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ConfigLoader } from '../../src/config/load.js';
import { ReleaseManager } from '../../src/release/release-manager.js';
import { SourceBuilder } from '../../src/release/source-build.js';
import { EtcdReleaseStore } from '../../src/cluster/etcd-release-store.js';
import type { Release } from '../../src/release/release.js';
import { EventBus } from '../../src/observe/events.js';
import { createLogger } from '../../src/observe/logger.js';
import { etcdMissing, startEtcdCluster, type EtcdCluster } from '../helpers/etcd-cluster.js';

const CONFIG = `apps:
  web:
    command: [node, app.mjs]
    rollout: { strategy: canary, steps: [50%, 100%], interval: 1m }
`;

describe('a rollout replicated through etcd', { skip: etcdMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-replicated-'));
  let etcd: EtcdCluster;
  const clients: Etcd3[] = [];
  const apps = new ConfigLoader({}).fromText(join(dir, 'wharf.yaml'), CONFIG, dir).apps;

  const manager = (endpoint: string) => {
    const client = new Etcd3({ hosts: [endpoint] });
    clients.push(client);
    return new ReleaseManager({
      store: new EtcdReleaseStore(client),
      builder: new SourceBuilder(dir, () => {}),
      apps: () => apps,
      apply: async () => {},
      events: new EventBus(),
      logger: createLogger('silent'),
    });
  };
  const progressing = (number: number): Release => ({
    app: 'web', number, changes: { env: { V: String(number) } }, createdAt: new Date(0).toISOString(), createdBy: 'test',
    strategy: 'canary', state: 'progressing', step: 0, history: [],
  });

  before(async () => {
    etcd = await startEtcdCluster();
  });
  after(async () => {
    for (const client of clients) client.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('two nodes racing one transition: exactly one wins, every round', async () => {
    const [a, b] = [manager(etcd.endpoints[0]!), manager(etcd.endpoints[1]!)];
    const store = new EtcdReleaseStore(clients[0]!);
    for (let round = 1; round <= 10; round++) {
      const before = await store.load('web');
      await store.save('web', before.version, [...before.releases.filter((r) => r.state !== 'progressing'), progressing(round)]);
      await Promise.all([a.load(['web']), b.load(['web'])]);
      const outcomes = await Promise.allSettled([a.operate('web', 'promote'), b.operate('web', 'abort')]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${outcomes.map((o) => o.status).join(', ')}`);
      assert.equal(lost[0]!.reason.code, 'WHARF_RELEASE_CONFLICT');
      const stored = (await store.load('web')).releases.find((r) => r.number === round)!;
      assert.equal(stored.state, (won[0] as PromiseFulfilledResult<Release>).value.state, 'etcd holds the winner\'s move');
      assert.equal(stored.history.length, 1, 'the loser left no trace');
    }
  });

  test('a move the table forbids is refused the same way on every node', async () => {
    const [a, b] = [manager(etcd.endpoints[1]!), manager(etcd.endpoints[2]!)];
    await Promise.all([a.load(['web']), b.load(['web'])]);
    const refusals = await Promise.allSettled([a.operate('web', 'pause'), b.operate('web', 'pause')]);
    const reasons = refusals.map((o) => (o as PromiseRejectedResult).reason as Error & { code: string });
    assert.ok(refusals.every((o) => o.status === 'rejected'));
    assert.equal(reasons[0]!.code, 'WHARF_ROLLOUT_TRANSITION');
    assert.deepEqual([reasons[1]!.code, reasons[1]!.message], [reasons[0]!.code, reasons[0]!.message]);
    assert.match(reasons[0]!.message, /release #10 of web/);
  });
});
