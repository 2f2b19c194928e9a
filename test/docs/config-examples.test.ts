// The config examples users copy from — the README walkthrough, the demo, and the contract's
// reference config — must stay valid as the schema grows: a renamed key fails here first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigLoader } from '../../src/config/load.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CONTRACT = join(ROOT, '..', 'shared', 'CONTRACT.md');

function firstYamlBlock(markdown: string): string {
  const match = /```yaml\n([\s\S]*?)```/.exec(markdown);
  assert.ok(match, 'the document has a yaml block');
  return match[1]!;
}

/** Loads a config in a temp dir holding the files it names (the loader checks they exist). */
function loadWithFiles(yaml: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-doc-'));
  try {
    for (const d of ['certs', 'public']) mkdirSync(join(dir, d));
    for (const f of ['certs/example.crt', 'certs/example.key', 'certs/api.crt', 'certs/api.key', 'certs/site.crt', 'certs/site.key', 'admin.htpasswd']) {
      writeFileSync(join(dir, f), '');
    }
    const snapshot = new ConfigLoader({ WHARF_TOKEN: '' }).fromText(join(dir, 'wharf.yaml'), yaml);
    assert.ok(snapshot.routes.length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the README config walkthrough is a valid config', () => {
  loadWithFiles(firstYamlBlock(readFileSync(join(ROOT, 'README.md'), 'utf8')));
});

test('the demo config examples/wharf.yaml is valid', async () => {
  const snapshot = await new ConfigLoader({}).load(join(ROOT, 'examples', 'wharf.yaml'));
  assert.deepEqual([...snapshot.apps.keys()].sort(), ['accounts', 'books']);
  assert.equal(snapshot.apps.get('books')!.instances, 2);
});

// A copy lives in the repository so a clone without ../shared still checks it; beside the
// contract, the copy must match it.
test('the reference config of CONTRACT.md is valid', () => {
  const copy = readFileSync(join(ROOT, 'test/docs/contract-reference.yaml'), 'utf8');
  if (existsSync(CONTRACT)) assert.equal(copy, firstYamlBlock(readFileSync(CONTRACT, 'utf8')), 'test/docs/contract-reference.yaml is out of date with shared/CONTRACT.md');
  loadWithFiles(copy);
});
