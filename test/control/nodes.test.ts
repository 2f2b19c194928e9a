// Without cluster mode the cluster is this machine: /api/nodes lists it with its ready
// instances per app. `wharf apply` validates first; a wharf without a cluster block refuses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWharf, LOOPBACK } from '../helpers/wharf.js';
import { APP_FILES, supervisedApps, waitFor } from '../observe/support.js';
import { runCli } from '../cli/cli-process.js';

test('GET /api/nodes: this machine, alive, with its ready instances per app', async () => {
  const w = await startWharf(`${LOOPBACK}${supervisedApps({ web: 2 })}`, APP_FILES);
  try {
    await waitFor('ready', () => w.wharf.supervisor.status()[0]!.instances.filter((i) => i.ready).length === 2 || undefined);
    const body = (await (await w.control('/api/nodes')).json()) as { nodes: { name: string; state: string; apps: Record<string, number> }[] };
    assert.deepEqual(body.nodes.map((n) => [n.name, n.state, n.apps]), [[hostname(), 'alive', { web: 2 }]]);
  } finally {
    await w.stop();
  }
});

test('apply: a bad file gets its positioned errors; a wharf without a cluster block refuses a good one clearly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-apply-'));
  const w = await startWharf(LOOPBACK);
  try {
    writeFileSync(join(dir, 'bad.yaml'), 'routes:\n  - { path: /, proxy: nowhere }\n');
    const bad = await runCli(['apply', '-c', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bad\.yaml:2:\d+: proxy "nowhere" names no upstream or app/);
    writeFileSync(join(dir, 'good.yaml'), 'routes:\n  - { path: /, static: . }\n');
    const good = await runCli(['apply', '-c', join(dir, 'good.yaml'), '--control', w.controlUrl, '--token', w.controlToken]);
    assert.equal(good.code, 1);
    assert.match(good.stderr, /this wharf runs without a cluster block/);
  } finally {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
