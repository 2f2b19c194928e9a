// Writes src/config/generated/config-validator.js, the config validator compiled ahead of time.
// Run after changing src/config/schema*.ts (`npm run build` runs it too):
//   npx tsx scripts/emit-validator.ts
// test/config/config-validator.test.ts fails while the committed file is out of date.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigValidator } from '../src/config/validator-source.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'config', 'generated', 'config-validator.js');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderConfigValidator());
process.stdout.write(`wrote ${target}\n`);
