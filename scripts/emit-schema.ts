// Writes schema/wharf.schema.json from the config schema. Run after changing src/config/schema*.ts:
//   npx tsx scripts/emit-schema.ts
// test/config/json-schema.test.ts fails while the committed file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigJsonSchema } from '../src/config/json-schema.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'wharf.schema.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderConfigJsonSchema());
process.stdout.write(`wrote ${target}\n`);
