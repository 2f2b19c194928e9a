// The config validator wharf runs is compiled ahead of time from schema.ts; it must be the one
// the schema compiles to today, and give the same verdicts as compiling the schema at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { AppSchema, ConfigSchema, UpstreamSchema } from '../../src/config/schema.js';
import { VALIDATOR_OPTIONS, renderConfigValidator } from '../../src/config/validator-source.js';
import { appKeys, upstreamKeys, validate } from '../../src/config/generated/config-validator.js';

test('the committed validator is the one schema.ts compiles to (run `npx tsx scripts/emit-validator.ts` after changing the schema)', () => {
  const committed = readFileSync(new URL('../../src/config/generated/config-validator.js', import.meta.url), 'utf8');
  assert.ok(committed === renderConfigValidator(), 'src/config/generated/config-validator.js is out of date');
});

test('the key lists it exports are the schema\'s', () => {
  assert.deepEqual([...appKeys], Object.keys(AppSchema.properties));
  assert.deepEqual([...upstreamKeys], Object.keys(UpstreamSchema.properties));
});

test('it gives the verdicts and errors of the schema compiled at run time', () => {
  const runtime = new Ajv({ ...VALIDATOR_OPTIONS, code: {} }).compile(ConfigSchema);
  const configs: unknown[] = [
    { listen: ['127.0.0.1:8080'], routes: [{ path: '/', static: './public' }] },
    { listen: ['127.0.0.1:8080'], upstreams: { app: { servers: ['127.0.0.1:9000'], balance: 'least_conn' } }, routes: [{ path: '/', proxy: 'app' }] },
    { listen: 8080 },
    { listen: ['127.0.0.1:8080'], upstreams: { app: { servers: [], balance: 'fastest' } } },
    { apps: { books: { command: 'node server.js', instances: 'two', nonsense: true } } },
    { routes: [{ path: '/', proxy: 'app', limit_req: { rate: 'lots' } }] },
  ];
  for (const config of configs) {
    const expected = runtime(config);
    assert.equal(validate(config), expected, JSON.stringify(config));
    const strip = (errors: typeof runtime.errors) => (errors ?? []).map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message }));
    assert.deepEqual(strip(validate.errors), strip(runtime.errors), JSON.stringify(config));
  }
});
