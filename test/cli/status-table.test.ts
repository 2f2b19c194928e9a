// `wharf status` explains an instance that takes no traffic: what a starting one waits for,
// why a stopped one stopped, and the last stderr lines of one that crashed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus } from '../../src/cli/status-table.js';
import type { WharfStatus } from '../../src/control/status.js';
import type { InstanceStatus } from '../../src/supervise/status.js';

const instance = (over: Partial<InstanceStatus>): InstanceStatus => ({
  id: 0, pid: null, port: null, state: 'ready', ready: false, restarts: 0, startedAt: null, uptimeMs: 0, rssBytes: 0, cpuSeconds: 0, ...over,
});

test('the WHY NOT READY column and a crashed instance\'s last stderr lines', () => {
  const status: WharfStatus = {
    config: { file: 'wharf.yaml', hash: 'abc' },
    apps: [
      {
        name: 'web',
        instances: [
          instance({ id: 0, pid: 10, port: 4000, state: 'ready', ready: true, uptimeMs: 5000 }),
          instance({ id: 1, pid: 11, port: 4001, state: 'starting', waiting_for: 'readiness check on port 4001: GET /healthz returned 503' }),
        ],
      },
      {
        name: 'jobs',
        instances: [instance({ state: 'fatal', reason: 'crash loop: 3 exits in 60s; last: exited with code 1', last_stderr: ['loading', 'Error: DATABASE_URL is not set'] })],
      },
    ],
    upstreams: [],
    routes: [],
  };
  const text = formatStatus(status);
  const [header, ready, starting, fatal] = text.split('\n');
  assert.match(header!, /STATE\s+RESTARTS\s+UPTIME\s+RSS\s+WHY NOT READY$/);
  assert.doesNotMatch(ready!, /waiting|crash/);
  assert.match(starting!, /starting .* waiting for readiness check on port 4001: GET \/healthz returned 503$/);
  assert.match(fatal!, /fatal .* crash loop: 3 exits in 60s; last: exited with code 1$/);
  assert.match(text, /\njobs\.0 last stderr:\n {2}loading\n {2}Error: DATABASE_URL is not set\n/);
});
