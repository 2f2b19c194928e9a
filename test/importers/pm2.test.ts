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

async function importText(name: string, text: string, after: (fn: () => void) => void) {
  const dir = tempDir('wharf-pm2-', after);
  writeTree(dir, { [name]: text });
  const result = await importFile(join(dir, name));
  return { result, config: parseYaml(result.yaml) as Record<string, any> };
}

test('ecosystem.config.js: command, instances, env_production merged, lifecycle settings', async (t) => {
  const { config, result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t));
  assert.deepEqual(config.apps.api, {
    command: ['node', '--max-old-space-size=512', './dist/server.js', '--log-level', 'info', '--name', 'books api'],
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DB_URL: 'postgres://db/prod' },
    instances: 'max',
    port: 'auto',
    wait_ready: true,
    start_timeout: '8s',
    stop_timeout: '1600ms',
    max_memory: '300m',
  });
  assert.deepEqual(config.apps.mailer, {
    command: ['/usr/bin/python3', '-u', 'mailer.py'],
    cwd: './services/mailer',
    instances: 'max',
    port: 'auto',
    min_uptime: '10s',
    restart: 'never',
    max_restarts: 5,
  });
  assert.match(result.yaml, /^# wharf config imported from ecosystem\.config\.js \(PM2 ecosystem\)/);
  assert.match(result.yaml, /# env with env_production merged over it/);
  assert.match(result.yaml, /# PM2 cluster mode shared one port; in wharf each instance gets its own \$PORT/);
  assert.match(result.yaml, /# PM2 set PORT=3000; wharf sets PORT for each instance/);
  assert.match(result.yaml, /# to expose api: add a route such as `- \{ path: \/, proxy: api \}` under routes:/);
});

test('ecosystem.config.js: settings without a wharf equivalent are listed and commented', async (t) => {
  const { result } = await importText('ecosystem.config.js', ECOSYSTEM_JS, t.after.bind(t));
  const expected = [
    /^ecosystem\.config\.js: deploy: … — wharf does not deploy code/,
    /^ecosystem\.config\.js app api: env_staging: … — only env and env_production/,
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
  assert.equal(api.env.NODE_ENV, 'production');
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
  assert.deepEqual(config.apps.web, { command: ['npm', 'run', 'start'], env: { API_URL: 'http://127.0.0.1:3000', RETRIES: 3, VERBOSE: true }, instances: 2, port: 'auto' });
  assert.deepEqual(config.apps['web-2'].command, ['node', 'bin/www'], 'a path without extension runs with node, as in PM2');
  assert.deepEqual(config.apps.cleanup, { command: ['bash', 'jobs/cleanup.sh'], instances: 'max', port: 'auto' });
  assert.match(result.yaml, /# PM2 name "web" made into a wharf name/);
  assert.deepEqual(result.untranslated, ['ecosystem.json app cleanup: restart_delay: 2000 — wharf restarts with its own backoff']);
  loadImported(result.yaml, t.after.bind(t));
});

test('an ESM ecosystem.config.mjs is imported too', async (t) => {
  const { config } = await importText('ecosystem.config.mjs', "export default { apps: [{ name: 'esm', script: 'server.mjs', max_memory_restart: 1048576 }] };\n", t.after.bind(t));
  assert.deepEqual(config.apps.esm, { command: ['node', 'server.mjs'], port: 'auto', max_memory: 1048576 });
});

test('a broken ecosystem file is an import error, not a crash', async (t) => {
  await assert.rejects(importText('ecosystem.config.js', 'module.exports = { apps: [ ;\n', t.after.bind(t)), (error: any) => {
    assert.equal(error.code, 'WHARF_IMPORT_SYNTAX');
    assert.match(error.message, /cannot load the ecosystem file/);
    return true;
  });
});
