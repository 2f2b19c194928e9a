// Shared pieces of the supervisor tests: a temp dir with small node scripts, a config loaded
// through the real ConfigLoader (so defaults apply), a real PoolDirectory, and polling waits.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigLoader } from '../../src/config/load.js';
import type { AppConfig, Snapshot } from '../../src/config/model.js';
import { PoolDirectory } from '../../src/balance/pool-directory.js';
import { EventBus, type InstanceEvent } from '../../src/observe/events.js';
import { createLogger } from '../../src/observe/logger.js';
import { Supervisor, type InstanceRegistry } from '../../src/supervise/supervisor.js';

export const NODE = JSON.stringify(process.execPath);

/** A plain HTTP app: /healthz 200, /pid -> its pid; SIGTERM closes the server, exit 0. */
export const SERVER_JS = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  if (req.url === '/slow') return setTimeout(() => res.end(String(process.pid)), 300);
  res.end(req.url === '/healthz' ? 'ok' : String(process.pid));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening on ' + process.env.PORT + ' as ' + process.env.WHARF_APP + '.' + process.env.WHARF_INSTANCE));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

export interface Fixture {
  readonly dir: string;
  readonly supervisor: Supervisor;
  readonly pools: PoolDirectory;
  readonly events: EventBus;
  /** Every 'instance' event, with the time it was published. */
  readonly seen: (InstanceEvent & { at: number })[];
  snapshot: Snapshot;
  /** Loads a new YAML text (config reload) and reconciles the pools, as the composition root does. */
  load(yaml: string): Snapshot;
  app(name: string): AppConfig;
  close(): Promise<void>;
}

export function tempDir(prefix = 'wharf-sup-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** A supervisor over `yaml` (relative paths resolve in a fresh temp dir holding `files`). */
export function createFixture(yaml: string, files: Record<string, string> = {}, options: { dir?: string; sampleIntervalMs?: number; registry?: InstanceRegistry; host?: string } = {}): Fixture {
  const dir = options.dir ?? tempDir();
  writeFiles(dir, files);
  const pools = new PoolDirectory();
  const events = new EventBus();
  const seen: Fixture['seen'] = [];
  events.on('instance', (event) => seen.push({ ...event, at: Date.now() }));
  const loader = new ConfigLoader({ ...process.env });
  const fixture: Fixture = {
    dir,
    pools,
    events,
    seen,
    snapshot: undefined as unknown as Snapshot,
    supervisor: undefined as unknown as Supervisor,
    load(text: string) {
      const snapshot = loader.fromText(join(dir, 'wharf.yaml'), text);
      pools.reconcile(snapshot);
      fixture.snapshot = snapshot;
      return snapshot;
    },
    app(name: string) {
      return fixture.snapshot.apps.get(name)!;
    },
    async close() {
      await fixture.supervisor.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const snapshot = fixture.load(yaml);
  (fixture as { supervisor: Supervisor }).supervisor = new Supervisor({
    pools,
    members: pools.sources.published,
    events,
    logger: createLogger(process.env.WHARF_TEST_LOG ?? 'silent'),
    stateDir: snapshot.stateDir,
    sampleIntervalMs: options.sampleIntervalMs,
    registry: options.registry,
    host: options.host,
  });
  return fixture;
}

export interface SuiteFixtures {
  /** A fixture (see createFixture) that is closed when the suite ends. */
  create(...args: Parameters<typeof createFixture>): Fixture;
  /** The same, with its apps already started (`supervisor.apply`). */
  start(...args: Parameters<typeof createFixture>): Promise<Fixture>;
}

/** Call inside a describe: every fixture made through the result is closed after the suite. */
export function suiteFixtures(): SuiteFixtures {
  const fixtures: Fixture[] = [];
  after(() => Promise.all(fixtures.map((f) => f.close())));
  const create = (...args: Parameters<typeof createFixture>) => {
    const fixture = createFixture(...args);
    fixtures.push(fixture);
    return fixture;
  };
  return {
    create,
    async start(...args) {
      const fixture = create(...args);
      await fixture.supervisor.apply(fixture.snapshot.apps);
      return fixture;
    },
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * True while the process exists and has not exited. A zombie (exited, not yet reaped by its
 * parent) counts as gone: in containers whose PID 1 does not reap, killed orphans stay zombies.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function poolAddresses(fixture: Fixture, app: string): string[] {
  return (fixture.pools.get(app)?.peers ?? []).map((peer) => peer.address).sort();
}

export function pidsOf(fixture: Fixture, app: string): number[] {
  const status = fixture.supervisor.status().find((a) => a.name === app);
  return (status?.instances ?? []).flatMap((i) => (i.pid === null ? [] : [i.pid])).sort((a, b) => a - b);
}

export function statesOf(fixture: Fixture, app: string): string[] {
  const status = fixture.supervisor.status().find((a) => a.name === app);
  return (status?.instances ?? []).map((i) => i.state);
}

export async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}
