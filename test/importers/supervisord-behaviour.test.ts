// supervisord and the wharf config imported from its file, run one after the other on the same
// ports: every process answers the same (program name, its port from %(process_num) and
// numprocs_start, environment values with quotes, commas and %%), is stopped with the same
// signal (stopsignal=INT), and wharf's edge balances over exactly those processes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFile } from '../../src/importers/import-file.js';
import { startWharf } from '../helpers/wharf.js';
import { skipMissing } from '../helpers/backends.js';
import { freePortPrefix, getJson, runnable } from './behaviour-support.js';

const SERVER = `
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const arg = (name) => process.argv.find((a) => a.startsWith('--' + name + '='))?.split('=')[1];
const port = Number(arg('port'));
createServer((req, res) => res.end(JSON.stringify({
  name: arg('name'), port, greeting: process.env.GREETING, mode: process.env.MODE, pct: process.env.PCT,
}))).listen(port, '127.0.0.1');
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { writeFileSync('stopped-' + port, signal); process.exit(0); });
`;

const conf = (prefix: number) => `[supervisord]
nodaemon=true
logfile=%(here)s/supervisord.log
pidfile=%(here)s/supervisord.pid
childlogdir=%(here)s

[program:api]
command=${process.execPath} srv.mjs --name=%(program_name)s --port=${prefix}%(process_num)02d
directory=%(here)s
numprocs=3
numprocs_start=5
process_name=%(program_name)s_%(process_num)d
environment=GREETING="hello, world",MODE='a b',PCT="100%%"
stopsignal=INT
startsecs=1
`;

describe('supervisord.conf imported: the same processes behave the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-supervisord-behaviour-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('supervisord, then wharf with the imported config: same answers on the same ports, same stop signal', async (t) => {
    if (spawnSync('supervisord', ['--version']).error) return skipMissing(t, 'supervisord (Debian package supervisor)');
    const prefix = await freePortPrefix(5, 3);
    const ports = [5, 6, 7].map((n) => prefix * 100 + n);
    writeFileSync(join(dir, 'srv.mjs'), SERVER);
    writeFileSync(join(dir, 'supervisord.conf'), conf(prefix));

    const supervisord = spawn('supervisord', ['-c', join(dir, 'supervisord.conf')], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => supervisord.once('exit', resolve));
    let original: Record<string, unknown>[];
    try {
      original = await Promise.all(ports.map((port) => getJson(`http://127.0.0.1:${port}/`)));
    } finally {
      supervisord.kill('SIGTERM');
      await exited;
    }
    assert.deepEqual(original[0], { name: 'api', port: ports[0], greeting: 'hello, world', mode: 'a b', pct: '100%' });
    const originalStops = ports.map((port) => readFileSync(join(dir, `stopped-${port}`), 'utf8'));
    assert.deepEqual(originalStops, ['SIGINT', 'SIGINT', 'SIGINT']);
    for (const port of ports) rmSync(join(dir, `stopped-${port}`));

    const imported = await importFile(join(dir, 'supervisord.conf'));
    const wharf = await startWharf(runnable(imported.yaml, [{ path: '/', proxy: 'api' }]), { dir });
    let viaWharf: Record<string, unknown>[];
    const seenThroughEdge = new Set<number>();
    try {
      viaWharf = await Promise.all(ports.map((port) => getJson(`http://127.0.0.1:${port}/`)));
      for (let i = 0; i < 12; i++) seenThroughEdge.add((await getJson(`${wharf.baseUrl}/`)).port as number);
    } finally {
      await wharf.stop();
    }
    assert.deepEqual(viaWharf, original);
    assert.deepEqual([...seenThroughEdge].sort(), ports, 'the edge balances over the three processes');
    const wharfStops = ports.map((port) => (existsSync(join(dir, `stopped-${port}`)) ? readFileSync(join(dir, `stopped-${port}`), 'utf8') : 'not stopped by a signal'));
    assert.deepEqual(wharfStops, originalStops);
  });
});
