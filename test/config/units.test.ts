// Human units in the config: durations, sizes and rates, as parsed and as validated.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseRate, parseSize } from '../../src/config/units.js';
import { lines, problemsOf, snapshotOf } from './load-helpers.js';

describe('durations', () => {
  test('single units', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration('1.5s'), 1500);
  });

  test('compound durations add up', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1h2m3s'), 3_723_000);
    assert.equal(parseDuration('1s500ms'), 1500);
  });

  test('a plain number is seconds, as in nginx', () => {
    assert.equal(parseDuration(5), 5000);
    assert.equal(parseDuration(0.25), 250);
    assert.equal(parseDuration(0), 0);
  });

  test('through the loader: compound, plain number and unit strings become milliseconds', () => {
    const snapshot = snapshotOf(lines(
      'timeouts: { keepalive: 1m30s, shutdown: 5, client_header: 750ms }',
      'upstreams:',
      '  api:',
      '    read_timeout: 2m',
      '    servers:',
      '      - { address: 127.0.0.1:9001, fail_timeout: 30, slow_start: 1m30s }',
    ));
    assert.equal(snapshot.timeouts.keepaliveMs, 90_000);
    assert.equal(snapshot.timeouts.shutdownMs, 5000);
    assert.equal(snapshot.timeouts.clientHeaderMs, 750);
    const api = snapshot.upstreams.get('api')!;
    assert.equal(api.readTimeoutMs, 120_000);
    assert.equal(api.servers[0]!.failTimeoutMs, 30_000);
    assert.equal(api.servers[0]!.slowStartMs, 90_000);
  });

  test('words, spaces and unknown units are rejected', () => {
    const problems = problemsOf(lines('timeouts:', '  keepalive: 10 s', '  shutdown: 5min', '  client_body: soon'));
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
    for (const p of problems) assert.match(p.message, /is not valid \(a duration/);
  });
});

describe('sizes', () => {
  test('k, m and g are powers of 1024, with or without B, any case', () => {
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.equal(parseSize('512K'), 512 * 1024);
    assert.equal(parseSize('256MB'), 256 * 1024 * 1024);
    assert.equal(parseSize('1m'), 1024 * 1024);
    assert.equal(parseSize('2g'), 2 * 1024 ** 3);
    assert.equal(parseSize('1.5k'), 1536);
  });

  test('a plain number (or "B") is bytes', () => {
    assert.equal(parseSize(1000), 1000);
    assert.equal(parseSize('1000'), 1000);
    assert.equal(parseSize('10b'), 10);
  });

  test('garbage is NaN for the parser and an error for the loader', () => {
    assert.ok(Number.isNaN(parseSize('1TB')));
    assert.ok(Number.isNaN(parseSize('lots')));
    const problems = problemsOf(lines('limits: { max_header_size: 1TB }'));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!.message, /max_header_size: "1TB" is not valid \(a size/);
  });

  test('through the loader: route sizes and app memory become bytes', () => {
    const snapshot = snapshotOf(lines(
      'apps:',
      '  web: { command: node server.js, max_memory: 512MB }',
      'routes:',
      '  - { path: /, proxy: web, max_body: 1m, limit_rate: 50k, limit_rate_after: 500 }',
    ));
    assert.equal(snapshot.apps.get('web')!.maxMemory, 512 * 1024 * 1024);
    const route = snapshot.routes[0]!;
    assert.equal(route.maxBody, 1024 * 1024);
    assert.equal(route.limitRate, 50 * 1024);
    assert.equal(route.limitRateAfter, 500);
  });
});

describe('rates', () => {
  test('r/s and r/m become requests per second', () => {
    assert.equal(parseRate('10r/s'), 10);
    assert.equal(parseRate('600r/m'), 10);
    assert.equal(parseRate('30r/m'), 0.5);
    assert.ok(Number.isNaN(parseRate('10r/h')));
  });

  test('through the loader', () => {
    const snapshot = snapshotOf(lines('routes:', '  - { path: /, static: /, limit_req: { rate: 120r/m, burst: 5, nodelay: true } }'));
    assert.deepEqual(snapshot.routes[0]!.limitReq, { rate: 2, burst: 5, nodelay: true, delay: 0, key: 'ip', status: 429 });
  });
});
