// `wharf import FILE` picks the importer by file name, then by content.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importFile } from '../../src/importers/import-file.js';
import { ImportError } from '../../src/importers/import-result.js';
import { tempDir, writeTree } from './round-trip.js';

async function importNamed(name: string, text: string, after: (fn: () => void) => void) {
  const dir = tempDir('wharf-import-', after);
  writeTree(dir, { [name]: text });
  return importFile(join(dir, name));
}

test('nginx: by name, or a .conf with http/server/upstream blocks', async (t) => {
  const byName = await importNamed('nginx.conf', 'events {}\n', t.after.bind(t));
  assert.match(byName.yaml, /\(nginx\)/);
  assert.deepEqual(byName.untranslated.map((u) => u.split(' — ')[0]), ['nginx.conf:1: events { }']);
  const site = await importNamed('shop.conf', 'server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n', t.after.bind(t));
  assert.deepEqual((parseYaml(site.yaml) as any).routes, [{ path: '/', proxy: '127.0.0.1_3000' }]);
  const upstreamOnly = await importNamed('pools.conf', 'upstream api { server 127.0.0.1:1; }\n', t.after.bind(t));
  assert.deepEqual((parseYaml(upstreamOnly.yaml) as any).upstreams, { api: { servers: ['127.0.0.1:1'] } });
});

test('PM2: ecosystem*.js/.cjs/.json by name, or any JSON with an apps list', async (t) => {
  const cjs = await importNamed('ecosystem.prod.cjs', "module.exports = { apps: [{ name: 'a', script: 'a.js' }] };\n", t.after.bind(t));
  assert.deepEqual(Object.keys((parseYaml(cjs.yaml) as any).apps), ['a']);
  const json = await importNamed('processes.json', '{"apps":[{"name":"b","script":"b.js"}]}', t.after.bind(t));
  assert.match(json.yaml, /\(PM2 ecosystem\)/);
});

test('supervisord: by name, or an INI file with [program:...] sections', async (t) => {
  const named = await importNamed('supervisord.conf', '[program:a]\ncommand=/bin/a\n', t.after.bind(t));
  assert.match(named.yaml, /\(supervisord\)/);
  const conf = await importNamed('app.conf', '[program:b]\ncommand=/bin/b\n', t.after.bind(t));
  assert.deepEqual(Object.keys((parseYaml(conf.yaml) as any).apps), ['b']);
});

test('anything else is WHARF_IMPORT_UNKNOWN_FORMAT', async (t) => {
  for (const [name, text] of [['notes.txt', 'hello'], ['data.json', '{"services": []}'], ['other.conf', 'key = value\n']]) {
    await assert.rejects(importNamed(name!, text!, t.after.bind(t)), (error: unknown) => {
      assert.ok(error instanceof ImportError);
      assert.equal(error.code, 'WHARF_IMPORT_UNKNOWN_FORMAT');
      assert.match(error.message, /not an nginx\.conf, a PM2 ecosystem file/);
      return true;
    });
  }
});

test('a missing file is WHARF_IMPORT_UNREADABLE', async () => {
  await assert.rejects(importFile('/nowhere/nginx.conf'), { code: 'WHARF_IMPORT_UNREADABLE' });
});
