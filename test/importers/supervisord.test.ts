// `wharf import supervisord.conf`: [program:x] sections become wharf apps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { importFile } from '../../src/importers/import-file.js';
import { parseEnvironment } from '../../src/importers/supervisord.js';
import { loadImported, tempDir, writeTree } from './round-trip.js';

const SUPERVISORD_CONF = `; supervisord.conf for the shop
[unix_http_server]
file=/tmp/supervisor.sock

[supervisord]
logfile=/var/log/supervisord.log
nodaemon=true

[program:api]
command=/usr/bin/node server.js --port %(ENV_API_PORT)s  ; the public api
directory=%(here)s/api
environment=NODE_ENV="production",GREETING="hello, world",PORT=3000,
    EMPTY=""
autostart=true
autorestart=true
startsecs=5
startretries=3
stopsignal=TERM
stopwaitsecs=20
stopasgroup=true
user=www-data
stdout_logfile=/var/log/api.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=10

[program:worker]
command=python3 worker.py --queue default --id %(process_num)s
process_name=%(program_name)s_%(process_num)02d
numprocs=3
autorestart=unexpected
stopsignal=QUIT
exitcodes=0,2

[program:reports]
command=/opt/reports/run
autostart=false
autorestart=false
numprocs=2

[group:shop]
programs=api,worker
`;

async function importSample(after: (fn: () => void) => void) {
  const dir = tempDir('wharf-supervisord-', after);
  writeTree(dir, { 'supervisord.conf': SUPERVISORD_CONF });
  const result = await importFile(join(dir, 'supervisord.conf'));
  return { result, config: parseYaml(result.yaml) as Record<string, any> };
}

test('programs become apps: command, directory, environment, restart policy, signals and timeouts', async (t) => {
  const { config } = await importSample(t.after.bind(t));
  assert.deepEqual(config.apps.api, {
    command: '/usr/bin/node server.js --port ${API_PORT}',
    cwd: './api',
    env: { NODE_ENV: 'production', GREETING: 'hello, world', EMPTY: '' },
    restart: 'always',
    port: 3000,
    min_uptime: '5s',
    max_restarts: 3,
    stop_signal: 'SIGTERM',
    stop_timeout: '20s',
    logs: { max_size: '50m', keep: 10 },
  });
  assert.deepEqual(config.apps.worker, {
    command: 'python3 worker.py --queue default --id $WHARF_INSTANCE',
    instances: 3,
    restart: 'on-failure',
    stop_signal: 'SIGQUIT',
  });
});

test('autostart=false keeps the app at zero instances and says how to start it', async (t) => {
  const { config, result } = await importSample(t.after.bind(t));
  assert.deepEqual(config.apps.reports, { command: '/opt/reports/run', restart: 'never', instances: 0 });
  assert.match(result.yaml, /# supervisord\.conf:36: autostart=false: start it with `wharf scale reports 2`/);
});

test('a missing autorestart means supervisord\'s default, unexpected -> on-failure', async (t) => {
  const dir = tempDir('wharf-supervisord-', t.after.bind(t));
  writeTree(dir, { 'jobs.ini': '[program:job]\ncommand=/bin/true\n' });
  const result = await importFile(join(dir, 'jobs.ini'));
  assert.equal((parseYaml(result.yaml) as any).apps.job.restart, 'on-failure');
  assert.match(result.yaml, /supervisord's default autorestart=unexpected/);
});

test('untranslated sections and keys are listed with FILE:LINE and commented', async (t) => {
  const { result } = await importSample(t.after.bind(t));
  assert.deepEqual(result.untranslated, [
    'supervisord.conf:2: [unix_http_server] (1 setting) — use the control API (control.address)',
    'supervisord.conf:5: [supervisord] (2 settings) — wharf is configured by its own file',
    'supervisord.conf:21: user=www-data — wharf runs apps as the user that runs wharf',
    'supervisord.conf:22: stdout_logfile=/var/log/api.log — wharf captures output into its logs dir (logs.dir)',
    'supervisord.conf:28: process_name=%(program_name)s_%(process_num)02d — wharf names and numbers instances itself',
    'supervisord.conf:32: exitcodes=0,2 — wharf treats exit code 0 as expected and any other as a failure',
    'supervisord.conf:40: [group:shop] (1 setting) — wharf has no app groups',
  ]);
  for (const entry of result.untranslated) assert.ok(result.yaml.includes(`# untranslated: ${entry}`), entry);
  assert.match(result.yaml, /^# wharf config imported from supervisord\.conf \(supervisord\)/);
  assert.match(result.yaml, /# supervisord\.conf:\d+: supervisord set PORT=3000: kept \(wharf sets \$PORT\)/);
  assert.match(result.yaml, /# supervisord\.conf:20: stopasgroup=true — wharf always signals the whole process group/);
});

test('the result loads in wharf (with the environment it refers to)', async (t) => {
  const { result } = await importSample(t.after.bind(t));
  const snapshot = loadImported(result.yaml, t.after.bind(t), { API_PORT: '4000' });
  assert.deepEqual(snapshot.apps.get('api')!.argv, ['/usr/bin/node', 'server.js', '--port', '4000']);
  assert.equal(snapshot.apps.get('worker')!.instances, 3);
  assert.equal(snapshot.apps.get('reports')!.instances, 0);
  assert.equal(snapshot.apps.get('api')!.stopTimeoutMs, 20_000);
});

test('environment= syntax: quotes, commas inside quotes, escapes, bare values', () => {
  assert.deepEqual(parseEnvironment('A="1,2",B=plain, C=\'single\',D="say \\"hi\\""'), { A: '1,2', B: 'plain', C: 'single', D: 'say "hi"' });
  assert.equal(parseEnvironment('not an assignment'), undefined);
});
