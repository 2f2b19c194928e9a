// Golden files: each importer's output for a realistic input, compared byte for byte with
// the reviewed expected YAML beside it (test/importers/golden/FORMAT/). After an intended
// change: WHARF_UPDATE_GOLDEN=1 node --import tsx --test test/importers/golden.test.ts, then
// review the diff. Every expected file must also load in wharf.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { importFile, type ImportOptions } from '../../src/importers/import-file.js';
import { loadImported } from './round-trip.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));

const CASES: { name: string; input: string; options?: ImportOptions; env?: NodeJS.ProcessEnv }[] = [
  { name: 'pm2', input: 'pm2/ecosystem.config.cjs', options: { env: 'production' } },
  { name: 'supervisord', input: 'supervisord/supervisord.conf', env: { HOME: '/home/app' } },
  { name: 'nginx', input: 'nginx/nginx.conf' },
];

describe('importer golden files', () => {
  for (const c of CASES) {
    test(`${c.input} -> ${c.name}/expected.yaml`, async (t) => {
      const result = await importFile(join(GOLDEN, c.input), c.options);
      const expectedFile = join(GOLDEN, c.name, 'expected.yaml');
      if (process.env.WHARF_UPDATE_GOLDEN || !existsSync(expectedFile)) writeFileSync(expectedFile, result.yaml);
      assert.equal(result.yaml, readFileSync(expectedFile, 'utf8'));
      loadImported(result.yaml, t.after.bind(t), c.env ?? {});
    });
  }
});
