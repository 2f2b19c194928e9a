// `wharf import ecosystem.config.js|.json`: PM2 apps become wharf apps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importFile } from '../../src/importers/import-file.js';
import { loadImported, tempDir, writeTree } from './round-trip.js';

const ECOSYSTEM_JS = `
// PM2 evaluates this file, so it may compute values.
const shared = { NODE_ENV: 'development', LOG_LEVEL: 'debug' };
module.exports = {
  apps: [
    {
      name: 'api',
      script: './dist/server.js',
      args: '--log-level info --name "books api"',
      node_args: '--max-old-space-size=512',
      instances: 'max',
      exec_mode: 'cluster',
      env: { ...shared, PORT: 3000, DB_URL: 'postgres://localhost/dev' },
      env_production: { NODE_ENV: 'production', LOG_LEVEL: 'info', DB_URL: 'postgres://db/prod' },
      env_staging: { NODE_ENV: 'staging' },
      max_memory_restart: '300M',
      wait_ready: true,
      listen_timeout: 8000,
      kill_timeout: 1600,
      watch: ['dist'],
      out_file: './logs/api.out.log',
    },
    {
      name: 'mailer',
      script: 'mailer.py',
      interpreter: '/usr/bin/python3',
      interpreter_args: '-u',
      cwd: './services/mailer',
      instances: -1,
      autorestart: false,
      min_uptime: '10s',
      max_restarts: 5,
      cron_restart: '0 3 * * *',
    },
  ],
  deploy: { production: { user: 'node', host: 'example.com' } },
};
`;

async function importText(name: string, text: string, after: (fn: () => void) => void, env?: string) {
  const dir = tempDir('wharf-pm2-', after);
  writeTree(dir, { [name]: text });
  const result = await importFile(join(dir, name), { env });
  return { result, config: parseYaml(result.yaml) as Record<string, any> };
}

/** PM2's stop: SIGINT (its kill_signal default), then SIGKILL after kill_timeout (default 1600 ms). */
const PM2_STOP = { stop_signal: 'SIGINT', stop_timeout: '1600ms' };

test('ecosystem.config.js with --env production: command, instances, env_production merged, lifecycle settings', async (t) => {
  const { config, result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t), 'production');
  assert.deepEqual(config.apps.api, {
    command: ['node', '--max-old-space-size=512', './dist/server.js', '--log-level', 'info', '--name', 'books api'],
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DB_URL: 'postgres://db/prod' },
    instances: 'max',
    port: 'auto',
    wait_ready: true,
    start_timeout: '8s',
    on_start_timeout: 'ready',
    ...PM2_STOP,
    max_memory: '300m',
  });
  assert.deepEqual(config.apps.mailer, {
    command: ['/usr/bin/python3', '-u', 'mailer.py'],
    cwd: './services/mailer',
    instances: 'max',
    port: 'auto',
    min_uptime: '10s',
    ...PM2_STOP,
    restart: 'never',
    max_restarts: 5,
  });
  assert.match(result.yaml, /^# wharf config imported from ecosystem\.config\.js \(PM2 ecosystem\)/);
  assert.match(result.yaml, /# env with env_production merged over it \(as `pm2 start --env production`\)/);
  assert.match(result.yaml, /# env_staging not merged: choose one with `wharf import --env NAME`/);
  assert.match(result.yaml, /# PM2 cluster mode shared one port \(PORT=3000\); in wharf each instance gets its own \$PORT/);
  assert.match(result.yaml, /# PM2's wait_ready: an instance that has not sent 'ready' by listen_timeout is online anyway/);
  assert.match(result.yaml, /# to expose api: add a route such as `- \{ path: \/, proxy: api \}` under routes:/);
});

test('ecosystem.config.js without --env: env only, as `pm2 start`; the other environments are named, not copied', async (t) => {
  const { config, result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t));
  assert.deepEqual(config.apps.api.env, { NODE_ENV: 'development', LOG_LEVEL: 'debug', DB_URL: 'postgres://localhost/dev' });
  assert.match(result.yaml, /# env_production, env_staging not merged: choose one with `wharf import --env NAME`/);
  assert.doesNotMatch(result.yaml, /postgres:\/\/db\/prod/);
});

test('fork mode with one instance and a PORT keeps that one process on its port', async (t) => {
  const json = JSON.stringify({ apps: [{ name: 'site', script: 'server.js', exec_mode: 'fork', env: { PORT: 4100 } }, { name: 'pool', script: 'server.js', instances: 3, env: { PORT: 4200 } }] });
  const { config, result } = await importText('ecosystem.json', json, t.after.bind(t));
  assert.deepEqual(config.apps.site, { command: ['node', 'server.js'], instances: 1, port: 4100, ...PM2_STOP });
  assert.equal(config.apps.pool.port, 'auto');
  assert.equal(config.apps.pool.instances, 3);
  assert.match(result.yaml, /# PM2 fork mode, one process with PORT=4100: kept on that port/);
});

test('a kill_signal and kill_timeout of the app win over PM2\'s defaults; listen_timeout without wait_ready is a plain start_timeout', async (t) => {
  const json = JSON.stringify({ apps: [{ name: 'a', script: 'a.js', kill_signal: 'SIGTERM', kill_timeout: 5000, listen_timeout: 4000 }, { name: 'b', script: 'b.js', wait_ready: true }] });
  const { config } = await importText('ecosystem.json', json, t.after.bind(t));
  assert.deepEqual(config.apps.a, { command: ['node', 'a.js'], port: 'auto', start_timeout: '4s', stop_signal: 'SIGTERM', stop_timeout: '5s' });
  assert.equal(config.apps.b.start_timeout, '3s', "PM2's default listen_timeout");
  assert.equal(config.apps.b.on_start_timeout, 'ready');
});

test('no secret from the PM2 file reaches a comment', async (t) => {
  const json = JSON.stringify({
    apps: [
      { name: 'noscript', env: { API_TOKEN: 'tok-123456', DB_PASSWORD: 'pw-123456' }, env_production: { SECRET_KEY: 'sk-123456' } },
      { name: 'plugin', script: 'p.js', vendor: { api_key: 'key-123456', region: 'eu' }, env_production: { STRIPE_SECRET: 'sk-654321' } },
    ],
  });
  const { result } = await importText('ecosystem.json', json, t.after.bind(t));
  for (const secret of ['tok-123456', 'pw-123456', 'sk-123456', 'key-123456', 'sk-654321']) assert.ok(!result.yaml.includes(secret), `${secret} leaked:\n${result.yaml}`);
  assert.ok(result.untranslated.some((u) => /vendor: \{"api_key":"\[hidden\]","region":"eu"\}/.test(u)), result.untranslated.join('\n'));
});

test('ecosystem.config.js: settings without a wharf equivalent are listed and commented', async (t) => {
  const { result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t));
  const expected = [
    /^ecosystem\.config\.js: deploy: … — wharf does not deploy code/,
    /^ecosystem\.config\.js app api: watch: \["dist"\] — wharf does not restart on file changes/,
    /^ecosystem\.config\.js app api: out_file: "\.\/logs\/api\.out\.log"/,
    /^ecosystem\.config\.js app mailer: cron_restart: "0 3 \* \* \*"/,
  ];
  assert.equal(result.untranslated.length, expected.length, result.untranslated.join('\n'));
  for (const pattern of expected) {
    const entry = result.untranslated.find((u) => pattern.test(u));
    assert.ok(entry, `${pattern} not in:\n${result.untranslated.join('\n')}`);
    assert.ok(result.yaml.includes(`# untranslated: ${entry}`));
  }
});

test('ecosystem.config.js: the result loads in wharf', async (t) => {
  const { result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t));
  const snapshot = loadImported(result.yaml, t.after.bind(t));
  const api = snapshot.apps.get('api')!;
  assert.equal(api.maxMemory, 300 * 1024 * 1024);
  assert.equal(api.stopTimeoutMs, 1600);
  assert.equal(api.env.NODE_ENV, 'development');
  assert.equal(api.stopSignal, 'SIGINT');
  assert.equal(api.onStartTimeout, 'ready');
  assert.equal(snapshot.apps.get('mailer')!.restart, 'never');
});

test('ecosystem.json: array args, a command on PATH, names made valid', async (t) => {
  const json = JSON.stringify({
    apps: [
      { name: 'web', script: 'npm', args: ['run', 'start'], instances: 2, exec_mode: 'fork', env: { API_URL: 'http://127.0.0.1:3000', RETRIES: 3, VERBOSE: true } },
      { name: 'web', script: 'bin/www' },
      { script: 'jobs/cleanup.sh', instances: '0', restart_delay: 2000 },
    ],
  });
  const { config, result } = await importText('ecosystem.json', json, t.after.bind(t));
  assert.deepEqual(config.apps.web, { command: ['npm', 'run', 'start'], env: { API_URL: 'http://127.0.0.1:3000', RETRIES: 3, VERBOSE: true }, instances: 2, port: 'auto', ...PM2_STOP });
  assert.deepEqual(config.apps['web-2'].command, ['node', 'bin/www'], 'a path without extension runs with node, as in PM2');
  assert.deepEqual(config.apps.cleanup, { command: ['bash', 'jobs/cleanup.sh'], instances: 'max', port: 'auto', ...PM2_STOP });
  assert.match(result.yaml, /# PM2 name "web" made into a wharf name/);
  assert.deepEqual(result.untranslated, ['ecosystem.json app cleanup: restart_delay: 2000 — wharf restarts with its own backoff']);
  loadImported(result.yaml, t.after.bind(t));
});

test('an ESM ecosystem.config.mjs is imported too', async (t) => {
  const { config } = await importText('ecosystem.config.mjs', "export default { apps: [{ name: 'esm', script: 'server.mjs', max_memory_restart: 1048576 }] };\n", t.after.bind(t));
  assert.deepEqual(config.apps.esm, { command: ['node', 'server.mjs'], port: 'auto', ...PM2_STOP, max_memory: 1048576 });
});

test('a broken ecosystem file is an import error, not a crash', async (t) => {
  await assert.rejects(importText('ecosystem.config.js', 'module.exports = { apps: [ ;\n', t.after.bind(t)), (error: any) => {
    assert.equal(error.code, 'WHARF_IMPORT_SYNTAX');
    assert.match(error.message, /cannot load the ecosystem file/);
    return true;
  });
});
