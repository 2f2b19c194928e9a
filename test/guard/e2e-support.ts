// Shared by the guard end-to-end tests: a real wharf in front of real backends, and raw
// HTTP/1.1 over sockets where a client has to misbehave (abort, lie about the body).
import { connect, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { startBackend, type Backend, type BackendHandler } from '../helpers/backends.js';
import { LOOPBACK, startWharf, type RunningWharf } from '../helpers/wharf.js';

export interface Stack {
  readonly wharf: RunningWharf;
  readonly backend: Backend;
  readonly agent: Agent;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** `routes` is the YAML list under `routes:`, with the proxy target written as BACKEND. */
export async function startStack(
  routes: string,
  options: { handler?: BackendHandler; top?: string; files?: Record<string, string> } = {},
): Promise<Stack> {
  const backend = await startBackend('b1', options.handler);
  const yaml = `${LOOPBACK}access_log: stdout\naccess_log_format: json\n${options.top ?? ''}upstreams:\n  backend: { servers: [ { address: ${backend.address} } ] }\nroutes:\n${routes}\n`;
  let wharf: RunningWharf;
  try {
    wharf = await startWharf(yaml, { files: options.files });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const agent = new Agent({ connections: 256, pipelining: 0 });
  return {
    wharf,
    backend,
    agent,
    async get(path, headers = {}) {
      const res = await request(`${wharf.baseUrl}${path}`, { dispatcher: agent, headers });
      return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
    },
    async close() {
      await agent.close();
      await wharf.stop();
      await backend.close();
    },
  };
}

/** The JSON access-log records wharf wrote so far. */
export function accessRecords(wharf: RunningWharf): Record<string, unknown>[] {
  return wharf.accessLines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function hostPort(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  return { host: url.hostname, port: Number(url.port) };
}

/** Opens a raw connection, writes `head` (and optional body bytes) and collects what comes back. */
export function rawExchange(baseUrl: string, head: string, body?: Buffer): RawExchange {
  const socket = connect(hostPort(baseUrl));
  let text = '';
  let headSeen: (head: string) => void = () => {};
  const responseHead = new Promise<string>((resolve) => (headSeen = resolve));
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
    const end = text.indexOf('\r\n\r\n');
    if (end >= 0) headSeen(text.slice(0, end));
  });
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => {
      headSeen(text);
      resolve(text);
    });
    socket.on('error', () => resolve(text));
  });
  socket.write(head);
  if (body) socket.write(body);
  return { socket, response, responseHead };
}

export interface RawExchange {
  readonly socket: Socket;
  /** Everything received, once the connection closes. */
  readonly response: Promise<string>;
  /** The status line and headers, as soon as they arrive (or whatever came before close). */
  readonly responseHead: Promise<string>;
}

/**
 * Sends one GET per connection over `count` connections that are opened first, so the
 * requests reach wharf together; resolves with the status codes and headers in order.
 */
export async function simultaneousGets(baseUrl: string, path: string, count: number): Promise<{ status: number; head: string }[]> {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
      const socket = connect(hostPort(baseUrl), () => resolve(socket));
      socket.once('error', reject);
    })),
  );
  const heads = sockets.map((socket) => new Promise<string>((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\r\n\r\n')) resolve(text);
    });
    socket.on('close', () => resolve(text));
  }));
  for (const socket of sockets) socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  const texts = await Promise.all(heads);
  for (const socket of sockets) socket.destroy();
  return texts.map((head) => ({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head }));
}

export async function eventually(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
