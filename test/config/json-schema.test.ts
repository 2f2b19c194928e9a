// The JSON Schema shipped for editors: generated from the loader's schema and kept in sync.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Ajv } from 'ajv';
import { configJsonSchema, renderConfigJsonSchema } from '../../src/config/json-schema.js';

const committedPath = new URL('../../schema/wharf.schema.json', import.meta.url);

const example = parseYaml(`
listen:
  - 127.0.0.1:8080
  - address: 0.0.0.0:8443
    tls: { cert: certs/site.crt, key: certs/site.key }
control: { address: 127.0.0.1:9901, token: "" }
access_log: stdout
access_log_format: combined
upstreams:
  legacy:
    balance: round_robin
    keepalive: 64
    retries: 1
    servers:
      - address: 127.0.0.1:9001
        weight: 5
        max_fails: 1
        fail_timeout: 10s
      - address: 127.0.0.1:9003
        backup: true
    health: { path: /healthz, interval: 2s, timeout: 1s, fails: 2, passes: 1 }
apps:
  books:
    command: node examples/books/server.js
    cwd: .
    env: { NODE_ENV: production }
    instances: 2
    port: auto
    health: { path: /healthz, interval: 1s }
    restart: always
    stop_timeout: 10s
    max_memory: 512MB
    balance: least_conn
routes:
  - host: api.example.com
    path: /api/books
    proxy: books
    access: [ "deny 192.168.1.2", "allow 192.168.1.0/24", "allow 127.0.0.1", "deny all" ]
    limit_req: { rate: 10r/s, burst: 20, nodelay: true }
    limit_conn: { per_ip: 10, total: 1000 }
    limit_rate: 50k
    max_body: 1MB
  - path: /
    static: ./public
`) as Record<string, unknown>;

function compile() {
  const ajv = new Ajv({ allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(committedPath, 'utf8')) as object);
}

describe('schema/wharf.schema.json', () => {
  test('is exactly what scripts/emit-schema.ts generates (run `npx tsx scripts/emit-schema.ts` after schema changes)', () => {
    assert.equal(readFileSync(committedPath, 'utf8'), renderConfigJsonSchema());
  });

  test('is draft-07 with an $id, a title and descriptions for keys', () => {
    const schema = configJsonSchema() as Record<string, any>;
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.$id, 'https://wharf.dev/schema/wharf.schema.json');
    assert.equal(schema.title, 'wharf config');
    assert.match(schema.properties.listen.description, /addresses the edge listens on/);
    const upstream = schema.properties.upstreams.patternProperties['^[A-Za-z0-9_.-]+$'];
    assert.equal(upstream.title, 'upstream');
    assert.match(upstream.properties.balance.description, /Default round_robin/);
    assert.match(upstream.properties.servers.items.anyOf[1].properties.weight.description, /Default 1/);
    assert.equal(schema.properties.routes.items.title, 'route');
    const text = JSON.stringify(schema);
    assert.ok(!text.includes('TypeBox'), 'no TypeBox markers leak into the file');
  });

  test('Ajv accepts the README example, with and without a $schema key', () => {
    const validate = compile();
    assert.ok(validate(example), JSON.stringify(validate.errors));
    assert.ok(validate({ $schema: './schema/wharf.schema.json', ...example }), JSON.stringify(validate.errors));
    assert.ok(validate({}), 'an empty config is valid');
  });

  test('Ajv rejects a typo\'d key, naming it', () => {
    const validate = compile();
    const typo = structuredClone(example) as any;
    typo.upstreams.legacy.servers[0].weigth = typo.upstreams.legacy.servers[0].weight;
    delete typo.upstreams.legacy.servers[0].weight;
    assert.equal(validate(typo), false);
    assert.ok(validate.errors!.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'weigth'));
    assert.equal(validate({ lisen: ['127.0.0.1:8080'] }), false);
  });

  test('Ajv rejects bad units and enum values like the loader does', () => {
    const validate = compile();
    assert.equal(validate({ timeouts: { keepalive: '10 seconds' } }), false);
    assert.equal(validate({ routes: [{ path: '/', static: '.', max_body: '1TB' }] }), false);
    assert.equal(validate({ upstreams: { a: { balance: 'fastest', servers: ['127.0.0.1:1'] } } }), false);
    assert.equal(validate({ upstreams: { 'bad name': { servers: ['127.0.0.1:1'] } } }), false);
  });
});
