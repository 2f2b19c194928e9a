// EtcdReleaseStore against a real 3-member etcd: versions are mod revisions, a save from a
// stale read is refused whichever member either side talks to, and other nodes hear of changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3, type IOptions } from 'etcd3';
import { EtcdReleaseStore } from '../../src/cluster/etcd-release-store.js';
import { StaleReleaseLogError } from '../../src/release/release-store.js';
import type { Release } from '../../src/release/release.js';
import { etcdMissing, eventually, startEtcdCluster, waitFor, type EtcdCluster } from '../helpers/etcd-cluster.js';

function release(app: string, number: number, createdBy = 'test'): Release {
  return { app, number, changes: { env: { N: String(number) } }, createdAt: new Date(0).toISOString(), createdBy, strategy: 'rolling', state: 'promoted', step: 0, history: [] };
}

describe('EtcdReleaseStore', { skip: etcdMissing() }, () => {
  let cluster: EtcdCluster;
  const clients: Etcd3[] = [];
  const clientOn = (hosts: string | string[], options: Partial<IOptions> = {}): Etcd3 => {
    // A deadline per call: a proposal forwarded to a leader that just died is otherwise only
    // answered by etcd's own request timeout (about 6 s here), and the client's retry waits for it.
    const client = new Etcd3({ hosts, defaultCallOptions: (call) => (call.isStream ? {} : { deadline: Date.now() + 1_500 }), ...options });
    clients.push(client);
    return client;
  };
  const storeOn = (hosts: string | string[]): EtcdReleaseStore => new EtcdReleaseStore(clientOn(hosts));

  before(async () => {
    cluster = await startEtcdCluster();
  });
  after(async () => {
    for (const client of clients) client.close();
    await cluster?.stop();
  });

  test('a log round-trips, its version is the key mod revision, and an absent app is version 0', async () => {
    const client = clientOn(cluster.endpoints);
    const store = new EtcdReleaseStore(client);
    assert.deepEqual(await store.load('books'), { version: 0, releases: [] });
    const first = await store.save('books', 0, [release('books', 1)]);
    assert.ok(first > 0);
    assert.deepEqual(await store.load('books'), { version: first, releases: [release('books', 1)] });
    const second = await store.save('books', first, [release('books', 1), release('books', 2)]);
    assert.ok(second > first);
    assert.deepEqual(await store.load('books'), { version: second, releases: [release('books', 1), release('books', 2)] });
    const [kv] = (await client.get('/wharf/releases/books').exec()).kvs;
    assert.equal(Number(kv!.mod_revision), second);
  });

  test('a save from a stale read is refused and stores nothing', async () => {
    const store = storeOn(cluster.endpoints);
    const read = await store.load('stale');
    const winner = await store.save('stale', read.version, [release('stale', 1, 'first')]);
    await assert.rejects(store.save('stale', read.version, [release('stale', 1, 'second')]), (error: Error) => error instanceof StaleReleaseLogError && (error as StaleReleaseLogError).code === 'WHARF_RELEASE_CONFLICT');
    await assert.rejects(store.save('stale', winner - 1, [release('stale', 1, 'third')]), StaleReleaseLogError);
    assert.deepEqual(await store.load('stale'), { version: winner, releases: [release('stale', 1, 'first')] });
  });

  test('two nodes on different members racing a save from the same read: exactly one wins each round', async () => {
    const [a, b] = [storeOn(cluster.endpoints[0]!), storeOn(cluster.endpoints[1]!)];
    let releases: Release[] = [];
    const wins = { a: 0, b: 0 };
    for (let round = 1; round <= 20; round++) {
      const read = await (round % 2 ? a : b).load('race');
      assert.deepEqual(read.releases, releases);
      const mine = [...releases, release('race', round, 'a')];
      const theirs = [...releases, release('race', round, 'b')];
      const [fromA, fromB] = await Promise.allSettled([a.save('race', read.version, mine), b.save('race', read.version, theirs)]);
      const won = [fromA, fromB].filter((outcome) => outcome.status === 'fulfilled');
      assert.equal(won.length, 1, `round ${round}: ${won.length} saves won`);
      const lost = [fromA, fromB].find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
      assert.ok(lost.reason instanceof StaleReleaseLogError, `round ${round}: the loser got ${String(lost.reason)}`);
      const winner = fromA.status === 'fulfilled' ? 'a' : 'b';
      wins[winner]++;
      releases = winner === 'a' ? mine : theirs;
      const version = (won[0] as PromiseFulfilledResult<number>).value;
      for (const store of [a, b]) assert.deepEqual(await store.load('race'), { version, releases });
    }
    assert.equal(wins.a + wins.b, 20);
  });

  test('a transaction the client sends again after its first try committed is our save, not a conflict', async () => {
    const client = clientOn(cluster.endpoints);
    // What the etcd3 client does when a commit's answer is lost (leader change, deadline):
    // the same request again, whose compare now fails against the write it made itself.
    const replaying = Object.create(client) as Etcd3;
    let sentTwice = 0;
    replaying.if = (...args: Parameters<Etcd3['if']>) => {
      const builder = client.if(...args);
      const commit = builder.commit.bind(builder);
      builder.commit = async () => {
        const first = await commit();
        const again = await commit();
        if (first.succeeded && !again.succeeded) sentTwice++;
        return again;
      };
      return builder;
    };
    const store = new EtcdReleaseStore(replaying);
    const version = await store.save('replayed', 0, [release('replayed', 1)]);
    assert.equal(sentTwice, 1);
    assert.deepEqual(await store.load('replayed'), { version, releases: [release('replayed', 1)] });
    // A real conflict is still one.
    await assert.rejects(new EtcdReleaseStore(client).save('replayed', 0, [release('replayed', 1, 'late')]), StaleReleaseLogError);
  });

  test("the watch reports an app another node changed", async () => {
    const [watching, other] = [storeOn(cluster.endpoints[2]!), storeOn(cluster.endpoints[0]!)];
    const seen: string[] = [];
    const stop = await watching.watch((app) => seen.push(app));
    try {
      await other.save('watched', 0, [release('watched', 1)]);
      await waitFor('the watch to report "watched"', () => seen.includes('watched'));
      const { version } = await other.load('watched');
      await other.save('watched', version, [release('watched', 1), release('watched', 2)]);
      await waitFor('the watch to report "watched" again', () => seen.filter((app) => app === 'watched').length >= 2);
    } finally {
      await stop();
    }
  });

  test('a watch etcd cancels (its resume revision compacted away) starts again and reports every app', async () => {
    const watched = cluster.members[2]!;
    const writerClient = clientOn(cluster.endpoints[0]!);
    const writer = new EtcdReleaseStore(writerClient);
    // Reconnects every 100 ms instead of etcd3's exponential default (up to 30 s).
    const backoff = { duration: 100, next: () => backoff };
    const client = clientOn(watched.clientUrl, { faultHandling: { watchBackoff: backoff } });
    const seen: string[] = [];
    const stop = await new EtcdReleaseStore(client).watch((app) => seen.push(app));
    try {
      await cluster.kill(watched.name);
      // Two writes, then compaction at the second: the watch would resume at the first.
      const first = await writer.save('missed', 0, [release('missed', 1)]);
      const second = await writer.save('missed', first, [release('missed', 1), release('missed', 2)]);
      await writerClient.kv.compact({ revision: String(second), physical: true });
      await cluster.restart(watched.name);
      await waitFor('the watch to report the app it missed', () => seen.includes('missed'), 15_000);
      // And it watches again.
      await writer.save('after', 0, [release('after', 1)]);
      await waitFor('the restarted watch to report a new change', () => seen.includes('after'));
    } finally {
      await stop();
    }
  });

  // Last: it leaves the cluster with a member restarted.
  test('a save still succeeds after the etcd leader is killed', async (t) => {
    const store = storeOn(cluster.endpoints);
    const { version } = await store.load('failover');
    const first = await store.save('failover', version, [release('failover', 1)]);
    await cluster.kill(await cluster.leader());
    const next = [release('failover', 1), release('failover', 2)];
    let attempts = 0;
    const errors: string[] = [];
    const saved = await eventually('a save after the leader died', async () => {
      attempts++;
      try {
        return await store.save('failover', first, next);
      } catch (error) {
        // An attempt whose answer was lost may have committed; then the log is already ours.
        if (error instanceof StaleReleaseLogError) {
          const now = await store.load('failover');
          if (isDeepStrictEqual(now.releases, next)) return now.version;
        }
        errors.push((error as Error).message);
        await sleep(100);
        throw error;
      }
    }, 20_000);
    assert.ok(saved > first);
    assert.deepEqual(await store.load('failover'), { version: saved, releases: next });
    t.diagnostic(`saved after ${attempts} attempt(s) ${errors.join('; ')}`);
  });
});
