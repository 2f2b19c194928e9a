// Releases through the control API on a real wharf: a rolling deploy under keep-alive load
// fails no request and every instance runs the new release; rollback brings the old one
// back; a release that never becomes ready is rolled back by itself; refused moves are 409
// with the table's sentence; bad input is a 4xx and changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { loadDuring } from '../helpers/load.js';
import { waitFor } from '../observe/support.js';
import { RELEASE_FILES, releaseConfig } from './support.js';

interface ReleaseBody { release: { number: number; state: string; summary: string; changes: Record<string, unknown> } }

describe('releases: rolling deploys and rollbacks', () => {
  let w: RunningWharf;
  const post = async (path: string, body?: unknown) => {
    const response = await w.control(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as ReleaseBody & { error?: string; code?: string } };
  };
  const settled = async (number: number) => {
    await w.wharf.releases.settled('web');
    return w.wharf.releases.find('web', number);
  };
  const pids = () => w.wharf.supervisor.status().find((a) => a.name === 'web')!.instances.map((i) => i.pid);

  before(async () => {
    w = await startWharf(releaseConfig(), RELEASE_FILES);
    await waitFor('2 ready', () => w.wharf.supervisor.status()[0]!.instances.filter((i) => i.ready).length === 2 || undefined);
  });
  after(() => w.stop());

  test('deploy --env under keep-alive load: 0 failed requests, promoted, every answer afterwards from release 1', async () => {
    let number = 0;
    const result = await loadDuring(w.baseUrl, async () => {
      const answer = await post('/api/apps/web/deploy', { env: { GREETING: 'hello', SECRET_KEY: 'do-not-show' } });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      number = answer.body.release.number;
      assert.equal((await settled(number)).state, 'promoted');
    });
    assert.equal(number, 1);
    assert.equal(result.failed, 0, result.failures.slice(0, 3).join(' | '));
    assert.ok(result.answers.get('release 1 hello')! > 0, `answers: ${JSON.stringify([...result.answers])}`);
    const last = await (await fetch(`${w.baseUrl}/`)).text();
    assert.equal(last, 'release 1 hello');
    const list = (await (await w.control('/api/apps/web/releases')).json()) as { releases: { number: number; state: string; changes: { env?: unknown } }[] };
    assert.deepEqual(list.releases.map((r) => [r.number, r.state]), [[1, 'promoted']]);
    assert.deepEqual(list.releases[0]!.changes.env, ['GREETING', 'SECRET_KEY'], 'env names only');
    assert.doesNotMatch(JSON.stringify(list), /do-not-show/);
  });

  test('a release whose instances never become ready is rolled back by itself; the old release keeps serving', async () => {
    const before = pids();
    const result = await loadDuring(w.baseUrl, async () => {
      const answer = await post('/api/apps/web/deploy', { env: { NEVER_READY: '1' } });
      assert.equal(answer.status, 202);
      const release = await settled(answer.body.release.number);
      assert.equal(release.state, 'rolled_back');
      assert.match(release.reason ?? '', /ready|start/i);
    });
    assert.equal(result.failed, 0, result.failures.slice(0, 3).join(' | '));
    assert.equal(await (await fetch(`${w.baseUrl}/`)).text(), 'release 1 hello');
    assert.equal(w.wharf.releases.current('web')?.number, 1);
    assert.ok(pids().some((pid) => before.includes(pid)) || pids().length === 2);
  });

  test('rollback --to 1 after a second release: a new release with #1\'s changes, rolled in with 0 failed requests', async () => {
    const second = await post('/api/apps/web/deploy', { env: { GREETING: 'second' } });
    assert.equal((await settled(second.body.release.number)).state, 'promoted');
    assert.equal(await (await fetch(`${w.baseUrl}/`)).text(), `release ${second.body.release.number} second`);
    let number = 0;
    const result = await loadDuring(w.baseUrl, async () => {
      const answer = await post('/api/apps/web/rollback?to=1');
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      number = answer.body.release.number;
      assert.equal((await settled(number)).state, 'promoted');
    });
    assert.equal(result.failed, 0, result.failures.slice(0, 3).join(' | '));
    assert.equal(await (await fetch(`${w.baseUrl}/`)).text(), `release ${number} hello`);
    assert.equal(w.wharf.releases.find('web', number).changes.rollbackOf, 1);
  });

  test('forbidden moves and bad input: 4xx with a reason, nothing changes', async () => {
    const count = w.wharf.releases.releases('web').length;
    const promote = await post('/api/apps/web/rollout/promote');
    assert.equal(promote.status, 409);
    assert.equal(promote.body.code, 'WHARF_ROLLOUT_TRANSITION');
    assert.match(promote.body.error ?? '', /cannot promote release #\d+ of web: it is promoted/);
    const cases: [string, unknown, number, RegExp][] = [
      ['/api/apps/nope/deploy', {}, 404, /no app named "nope"/],
      ['/api/apps/web/rollback?to=99', undefined, 404, /web has no release #99/],
      ['/api/apps/web/deploy', { env: { GREETING: 5 } }, 400, /env must be/],
      ['/api/apps/web/deploy', { surprise: true }, 400, /unknown field\(s\): surprise/],
      ['/api/apps/web/deploy', { cwd: 'no/such/dir' }, 400, /is not a directory/],
      ['/api/apps/web/deploy', { ref: '--upload-pack=evil' }, 400, /ref must be/],
    ];
    for (const [path, body, status, message] of cases) {
      const answer = await post(path, body);
      assert.equal(answer.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.body.error ?? '', message);
    }
    const malformed = await w.control('/api/apps/web/deploy', { method: 'POST', body: '{not json' });
    assert.equal(malformed.status, 400);
    assert.equal(w.wharf.releases.releases('web').length, count, 'no release was recorded');
  });
});
