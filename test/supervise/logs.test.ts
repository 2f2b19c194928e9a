import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LogWriter } from '../../src/supervise/log-writer.js';
import { NODE, suiteFixtures, tempDir, waitFor } from './helpers.js';

/** Serves; prints COUNT numbered lines (every ERR_EVERY-th to stderr), then a final line without newline. */
const CHATTY_JS = `
import { createServer } from 'node:http';
createServer((req, res) => res.end()).listen(Number(process.env.PORT), '127.0.0.1');
const count = Number(process.env.COUNT);
const errEvery = Number(process.env.ERR_EVERY ?? 10);
for (let i = 1; i <= count; i++) (errEvery && i % errEvery === 0 ? process.stderr : process.stdout).write('line ' + String(i).padStart(4, '0') + ' ' + 'x'.repeat(30) + '\\n');
process.stdout.write('no newline at the end');
process.on('SIGTERM', () => process.exit(0));
`;

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

describe('app logs', () => {
  const fixtures = suiteFixtures();

  test('stdout and stderr are captured line by line with timestamps; tail and follow read them', async () => {
    const f = fixtures.create(
      `apps:
  chat:
    command: [${NODE}, chatty.js]
    env: { COUNT: 20 }
    restart: never
`,
      { 'chatty.js': CHATTY_JS },
    );
    const followed: string[] = [];
    await f.supervisor.apply(f.snapshot.apps);
    const unfollow = f.supervisor.followLogs('chat', (line) => followed.push(line));
    const all = await waitFor('every line', async () => {
      const tail = await f.supervisor.logs('chat', 1000);
      return tail.filter((l) => / chat\.0 (out|err) line /.test(l)).length === 20 ? tail : undefined;
    });
    // Within one stream the order is kept (stdout and stderr are separate pipes).
    const out = all.filter((l) => / chat\.0 out line /.test(l));
    assert.equal(out.length, 18);
    assert.match(out[0]!, new RegExp(`^${ISO} chat\\.0 out line 0001 x+$`));
    assert.match(out.at(-1)!, new RegExp(`^${ISO} chat\\.0 out line 0019 x+$`));
    assert.deepEqual(all.filter((l) => / err /.test(l)).map((l) => / line (\d+)/.exec(l)?.[1]), ['0010', '0020']);
    const lastThree = await f.supervisor.logs('chat', 3);
    assert.deepEqual(lastThree, all.slice(-3));
    assert.match(all[0]!, new RegExp(`^${ISO} chat\\.0 wharf starting pid \\d+ port \\d+$`));
    assert.ok(readFileSync(join(f.dir, 'logs', 'chat.log'), 'utf8').includes('chat.0 out line 0001'), 'written to <logs.dir>/<APP>.log');

    await f.supervisor.stop('chat');
    unfollow();
    assert.ok(followed.some((l) => / chat\.0 out no newline at the end$/.test(l)), 'a last partial line is kept');
    assert.ok(followed.some((l) => / chat\.0 wharf exited stopped/.test(l)), `follow sees the stop: ${followed.join('\n')}`);
  });

  test('the log rotates by size and keeps K files; tail reaches into rotated files', async () => {
    const f = await fixtures.start(
      `apps:
  chat:
    command: [${NODE}, chatty.js]
    env: { COUNT: 400, ERR_EVERY: 0 }
    logs: { max_size: 4k, keep: 2 }
`,
      { 'chatty.js': CHATTY_JS },
    );
    const last = 'line 0400 ' + 'x'.repeat(30);
    await waitFor('the last line', async () => (await f.supervisor.logs('chat', 5)).some((l) => l.endsWith(last)));
    const file = join(f.dir, 'logs', 'chat.log');
    for (const name of [file, `${file}.1`, `${file}.2`]) {
      assert.ok(existsSync(name), `${name} exists`);
      assert.ok(statSync(name).size <= 4096, `${name} is within max_size`);
    }
    assert.equal(existsSync(`${file}.3`), false, 'only keep files are kept');

    const currentLines = readFileSync(file, 'utf8').trim().split('\n').length;
    const tail = await f.supervisor.logs('chat', currentLines + 5);
    assert.equal(tail.length, currentLines + 5);
    const numbers = tail.filter((l) => / out line /.test(l)).map((l) => Number(/ out line (\d+) /.exec(l)?.[1]));
    assert.ok(numbers.length >= currentLines, 'lines from the current and the rotated file');
    assert.deepEqual(numbers, numbers.map((_, i) => 400 - numbers.length + 1 + i), 'in order across the rotation boundary');
  });

  test('when the disk falls behind, lines are dropped and counted instead of queued without bound', async () => {
    const dir = tempDir();
    const writer = new LogWriter({ path: join(dir, 'app.log'), maxSize: 0, keep: 0, maxPendingBytes: 1000 });
    for (let i = 0; i < 100; i++) writer.write(`line ${i} ${'y'.repeat(90)}`);
    assert.ok(writer.dropped > 80, `dropped ${writer.dropped}`);
    await writer.close();
    const text = readFileSync(join(dir, 'app.log'), 'utf8').trim().split('\n');
    assert.equal(text.length, 100 - writer.dropped + 1);
    assert.match(text.at(-1)!, new RegExp(`\\[wharf\\] dropped ${writer.dropped} log lines`));
  });
});
