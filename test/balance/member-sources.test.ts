// The member-source seam: pools follow their source live, a reload keeps the binding (and
// the peers' state) of a pool whose source is unchanged and re-binds one whose source changed,
// a staged reload that is not committed subscribes to nothing, and a removed pool lets go.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigLoader } from '../../src/config/load.js';
import type { ServerConfig, Snapshot } from '../../src/config/model.js';
import { serverOf } from '../../src/config/normalize.js';
import type { MemberSource } from '../../src/balance/member-source.js';
import { MemberSources } from '../../src/balance/member-sources.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { addr, ctx, nameOf } from './pool-fixture.js';

const load = (config: Record<string, unknown>): Snapshot => new ConfigLoader({}).fromText('/nowhere/wharf.yaml', JSON.stringify(config));
const servers = (...names: string[]): ServerConfig[] => names.map((n) => serverOf(addr(n)));

/** The published board behind the 'supervisor' kind, counting live subscriptions per app. */
function countingSources(): { sources: MemberSources; live: Map<string, number>; made: string[] } {
  const sources = new MemberSources();
  const live = new Map<string, number>();
  const made: string[] = [];
  sources.register('supervisor', (_spec, pool): MemberSource => {
    made.push(pool);
    const inner = sources.published.source(pool);
    return {
      members: () => inner.members(),
      subscribe(onChange) {
        live.set(pool, (live.get(pool) ?? 0) + 1);
        const off = inner.subscribe(onChange);
        return () => {
          live.set(pool, live.get(pool)! - 1);
          off();
        };
      },
    };
  });
  return { sources, live, made };
}

describe('member sources', () => {
  test('a pool follows its source live: members join and leave as the source says', () => {
    const directory = new PoolDirectory();
    directory.reconcile(load({ apps: { web: { command: 'node server.js' } } }));
    const pool = directory.get('web')!;
    assert.deepEqual(pool.peers, []);
    directory.sources.published.publish('web', servers('a', 'b'));
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'b'], 'no reload needed');
    const a = pool.select(ctx(), new Set())!;
    directory.sources.published.publish('web', servers('b', 'c'));
    assert.deepEqual(pool.peers.map(nameOf), ['b', 'c']);
    assert.equal(pool.select(ctx(), new Set(pool.peers.filter((p) => nameOf(p) === 'b')))?.address, addr('c'), 'a left the rotation');
    pool.release(a, { ok: true });
    directory.sources.published.publish('other', servers('d'));
    assert.deepEqual(pool.peers.map(nameOf), ['b', 'c'], 'another name does not touch this pool');
  });

  test('a reload keeps the binding and peer state of a pool whose source is unchanged', () => {
    const { sources, live, made } = countingSources();
    const directory = new PoolDirectory(sources);
    directory.reconcile(load({ apps: { web: { command: 'node server.js', retries: 1 } } }));
    sources.published.publish('web', servers('a', 'b'));
    const pool = directory.get('web')!;
    const held = pool.select(ctx(), new Set())!;
    const b = pool.peers[1]!;
    pool.release(pool.select(ctx(), new Set([held]))!, { ok: false });
    directory.reconcile(load({ apps: { web: { command: 'node server.js', retries: 3 } } }));
    assert.equal(directory.get('web'), pool, 'same pool');
    assert.equal(pool.config.retries, 3, 'settings applied');
    assert.deepEqual(made, ['web'], 'no new source');
    assert.equal(live.get('web'), 1, 'still one subscription');
    assert.equal(held.inFlight, 1, 'in-flight kept');
    assert.equal(b.fails, 1, 'fails kept');
    sources.published.publish('web', servers('a', 'b', 'c'));
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'b', 'c'], 'still following the source');
  });

  test('a reload that changes the source re-binds it; peers at the same address keep their state', () => {
    const { sources, live } = countingSources();
    const directory = new PoolDirectory(sources);
    directory.reconcile(load({ upstreams: { u: { servers: [addr('a'), addr('b')] } } }));
    const pool = directory.get('u')!;
    const held = pool.select(ctx(), new Set())!;
    assert.equal(nameOf(held), 'a');
    sources.published.publish('u', servers('a', 'c'));
    // The same name turns from listed servers into a supervised app: its source changes.
    directory.reconcile(load({ apps: { u: { command: 'node server.js' } } }));
    assert.equal(directory.get('u'), pool);
    assert.equal(live.get('u'), 1, 'subscribed to the new source');
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'c'], 'members from the new source at once');
    assert.equal(pool.peers[0], held, 'same peer object for the same address');
    assert.equal(held.inFlight, 1);
    sources.published.publish('u', servers('c'));
    assert.deepEqual(pool.peers.map(nameOf), ['c']);
    directory.reconcile(load({ upstreams: { u: { servers: [addr('a')] } } }));
    assert.equal(live.get('u'), 0, 'the old source was let go');
    sources.published.publish('u', servers('d'));
    assert.deepEqual(pool.peers.map(nameOf), ['a'], 'back on the listed servers only');
    assert.equal(pool.peers[0], held, 'a busy peer is remembered while in flight');
  });

  test('listed servers: a reload that edits them applies the new list, keeping peers by address', () => {
    const directory = new PoolDirectory();
    directory.reconcile(load({ upstreams: { u: { servers: [addr('a'), addr('b')] } } }));
    const pool = directory.get('u')!;
    const a = pool.peers[0]!;
    pool.release(pool.select(ctx(), new Set())!, { ok: false });
    directory.reconcile(load({ upstreams: { u: { servers: [{ address: addr('a'), weight: 3 }, addr('c')] } } }));
    assert.deepEqual(pool.peers.map(nameOf), ['a', 'c']);
    assert.equal(pool.peers[0], a);
    assert.equal(a.fails, 1);
    assert.equal(a.config.weight, 3);
  });

  test('a staged reload subscribes to nothing until committed; a removed pool unsubscribes', () => {
    const { sources, live } = countingSources();
    const directory = new PoolDirectory(sources);
    directory.reconcile(load({ upstreams: { u: { servers: [addr('a')] } } }));
    const next = load({ upstreams: { u: { servers: [addr('a')] } }, apps: { web: { command: 'node server.js' } } });
    const thrownAway = directory.stage(next);
    assert.ok(thrownAway.get('web'), 'the staged set has the new pool');
    assert.equal(directory.get('web'), undefined, 'the running set does not');
    assert.equal(live.get('web') ?? 0, 0, 'nothing subscribed');
    sources.published.publish('web', servers('b'));
    const staged = directory.stage(next);
    const web = staged.get('web')!;
    assert.deepEqual(web.peers.map(nameOf), ['b'], 'a staged pool starts with what the source holds');
    sources.published.publish('web', servers('b', 'c'));
    staged.commit();
    assert.equal(directory.get('web'), web);
    assert.deepEqual(web.peers.map(nameOf), ['b', 'c'], 'a change between stage and commit is not lost');
    assert.equal(live.get('web'), 1);
    assert.deepEqual(directory.reconcile(load({ upstreams: { u: { servers: [addr('a')] } } })), ['web']);
    assert.equal(live.get('web'), 0, 'the removed pool let go of its source');
  });

  test("supervised members are published under the pool's name: a copy of an app's config under another name (APP@canary) has its own", () => {
    const directory = new PoolDirectory();
    const snapshot = load({ apps: { web: { command: 'node server.js' } } });
    const web = snapshot.apps.get('web')!;
    directory.reconcile({ ...snapshot, apps: new Map([...snapshot.apps, ['web@canary', { ...web, name: 'web@canary' }]]) });
    directory.sources.published.publish('web', servers('a'));
    directory.sources.published.publish('web@canary', servers('b'));
    assert.deepEqual(directory.get('web')!.peers.map(nameOf), ['a']);
    assert.deepEqual(directory.get('web@canary')!.peers.map(nameOf), ['b']);
  });
});
