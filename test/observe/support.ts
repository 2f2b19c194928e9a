// Shared by the observability tests: read samples out of a Prometheus text exposition, build
// AccessRecords, find outside programs (promtool, prometheus, chromium), small waits, and a
// supervised test app with the config that runs it.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import type { AccessRecord } from '../../src/edge/access-record.js';
import { skipMissing } from '../helpers/backends.js';

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Every sample line of an exposition (comments skipped). */
export function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

export function record(fields: Partial<AccessRecord> = {}): AccessRecord {
  return {
    startedAt: Date.now(),
    durationMs: 12,
    clientIp: '198.51.100.7',
    method: 'GET',
    url: '/api/books/42?secret=1',
    httpVersion: '1.1',
    host: 'example.test',
    status: 200,
    bytesIn: 0,
    bytesOut: 100,
    referer: '',
    userAgent: 'test',
    route: '/api/books',
    pool: 'books',
    tries: [{ peer: '127.0.0.1:9001', status: 200, ms: 10 }],
    reason: '',
    upstreamMs: 10,
    upgraded: false,
    ...fields,
  };
}

/**
 * The path of an outside program, or undefined after skipping the test (when it is missing and
 * WHARF_REQUIRE_INTEROP is unset; when set, a missing program fails the test).
 */
export function program(t: TestContext, path: string): string | undefined {
  if (existsSync(path)) return path;
  skipMissing(t, path);
  return undefined;
}

/** Runs `promtool check metrics` on the text; resolves with its exit code and output. */
export function promtoolCheck(promtool: string, text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}

export interface SseMessage {
  readonly event: string;
  readonly data: Record<string, unknown>;
}

export interface SseClient {
  readonly messages: SseMessage[];
  /** Resolves with the first message (already received or coming) that satisfies `match`. */
  next(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
}

/** Reads a Server-Sent Events stream with fetch, the way a browser's EventSource would. */
export async function openSse(url: string, token?: string): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status}`);
  if (!String(response.headers.get('content-type')).startsWith('text/event-stream')) throw new Error(`not an event stream: ${response.headers.get('content-type')}`);
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data) messages.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    messages,
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got: ${messages.map((m) => m.event).join(', ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

/** A tiny app for supervised instances: /healthz 200, anything else its pid; SIGTERM exits 0. */
export const APP_JS = `import { createServer } from 'node:http';
const server = createServer((req, res) => res.end(req.url === '/healthz' ? 'ok' : String(process.pid)));
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

/** The files option of startWharf that puts APP_JS where supervisedApps expects it. */
export const APP_FILES = { files: { 'app.js': APP_JS } };

/**
 * An `apps:` block (ending in a newline) running APP_JS: one app per name, with that many
 * instances, health-checked at /healthz; each `setting` ("key: value") is added to every app.
 */
export function supervisedApps(instances: Record<string, number>, ...settings: string[]): string {
  const node = JSON.stringify(process.execPath);
  const apps = Object.entries(instances).map(
    ([name, count]) => [`  ${name}:`, `    command: [${node}, app.js]`, `    instances: ${count}`, '    health: { path: /healthz, interval: 200ms }', ...settings.map((s) => `    ${s}`)].join('\n'),
  );
  return `apps:\n${apps.join('\n')}\n`;
}

/** What GET /api/status says of the supervised apps (the fields these tests read). */
export interface AppsStatus {
  readonly apps: readonly { readonly name: string; readonly instances: readonly { readonly id: number; readonly pid: number; readonly ready: boolean }[] }[];
}

export async function appsStatus(w: { control(path: string): Promise<Response> }): Promise<AppsStatus> {
  return (await (await w.control('/api/status')).json()) as AppsStatus;
}
