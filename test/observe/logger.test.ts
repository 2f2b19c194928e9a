// wharf's own log lines are JSON objects, one per line, with the level as a name, the time in
// ISO 8601 and the fields passed; lines below the configured level are not written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/observe/logger.js';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { stream, lines };
}

test('log lines are JSON with a named level, ISO time and the given fields', () => {
  const { stream, lines } = capture();
  const logger = createLogger('info', stream);
  logger.debug('not written at info');
  logger.info({ app: 'books', pid: 42 }, 'instance ready');
  logger.error({ errors: ['a:1:1: bad'] }, 'config reload rejected');
  assert.equal(lines.length, 2);
  const [info, error] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(info!.level, 'info');
  assert.equal(info!.msg, 'instance ready');
  assert.equal(info!.app, 'books');
  assert.equal(info!.pid, 42);
  assert.equal(info!.service, 'wharf');
  assert.ok(!Number.isNaN(Date.parse(String(info!.time))));
  assert.match(String(info!.time), /^\d{4}-\d\d-\d\dT/);
  assert.equal(error!.level, 'error');
  assert.deepEqual(error!.errors, ['a:1:1: bad']);
});
