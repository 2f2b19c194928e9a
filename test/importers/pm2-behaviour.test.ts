// The wharf config imported from a PM2 ecosystem file behaves as `pm2 start ecosystem.config.js
// --env production` would: env_production's values, a wait_ready app that never says 'ready'
// online after listen_timeout (and not restarted), a fork-mode app on its own PORT, apps
// stopped with SIGINT (PM2's kill_signal) and killed after kill_timeout when they ignore it.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFile } from '../../src/importers/import-file.js';
import { startWharf } from '../helpers/wharf.js';
import { freePort } from '../balance/nginx-harness.js';
import { getJson, runnable } from './behaviour-support.js';

const APP = `
const { createServer } = require('node:http');
const { writeFileSync } = require('node:fs');
createServer((req, res) => res.end(JSON.stringify({ app: process.env.APP_NAME, env: process.env.NODE_ENV, pid: process.pid, port: Number(process.env.PORT) })))
  .listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGINT', () => {
  writeFileSync('stopped-' + process.env.APP_NAME, 'SIGINT');
  if (!process.env.IGNORE_STOP) process.exit(0);
});
process.on('SIGTERM', () => { writeFileSync('stopped-' + process.env.APP_NAME, 'SIGTERM'); process.exit(0); });
`;

const ecosystem = (sitePort: number) => `module.exports = {
  apps: [
    { name: 'api', script: 'app.js', instances: 2, exec_mode: 'cluster', wait_ready: true, listen_timeout: 1500,
      env: { APP_NAME: 'api', NODE_ENV: 'development' }, env_production: { NODE_ENV: 'production' } },
    { name: 'site', script: 'app.js', exec_mode: 'fork', env: { APP_NAME: 'site', PORT: ${sitePort}, IGNORE_STOP: '1' }, kill_timeout: 800 },
  ],
};
`;

describe('PM2 ecosystem imported: the apps behave as under PM2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-pm2-behaviour-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('env_production, wait_ready + listen_timeout, fork PORT, SIGINT and kill_timeout', async () => {
    const sitePort = await freePort();
    writeFileSync(join(dir, 'app.js'), APP);
    writeFileSync(join(dir, 'ecosystem.config.js'), ecosystem(sitePort));
    const imported = await importFile(join(dir, 'ecosystem.config.js'), { env: 'production' });
    const wharf = await startWharf(runnable(imported.yaml, [{ path: '/site', proxy: 'site' }, { path: '/', proxy: 'api' }]), { dir });
    let sitePid = 0;
    try {
      // The api never sends 'ready': PM2 calls it online at listen_timeout; so does wharf now.
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await getJson(`${wharf.baseUrl}/`));
      assert.ok(answers.every((a) => a.app === 'api' && a.env === 'production'), JSON.stringify(answers));
      assert.equal(new Set(answers.map((a) => a.pid)).size, 2, 'both cluster instances take requests');
      const api = wharf.wharf.status().apps.find((a) => a.name === 'api')!;
      assert.deepEqual(api.instances.map((i) => [i.state, i.restarts]), [['ready', 0], ['ready', 0]]);

      const site = await getJson(`http://127.0.0.1:${sitePort}/`);
      assert.equal(site.app, 'site');
      assert.equal(site.port, sitePort, 'the fork-mode app keeps the PORT it had under PM2');
      sitePid = site.pid as number;
      assert.equal((await getJson(`${wharf.baseUrl}/site`)).pid, sitePid);
    } finally {
      await wharf.stop();
    }
    assert.equal(readFileSync(join(dir, 'stopped-api'), 'utf8'), 'SIGINT');
    assert.equal(readFileSync(join(dir, 'stopped-site'), 'utf8'), 'SIGINT', 'PM2 stops with SIGINT');
    assert.equal(existsSync(`/proc/${sitePid}`) && !/\) [ZX] /.test(readFileSync(`/proc/${sitePid}/stat`, 'utf8')), false, 'killed after kill_timeout');
  });
});
