// The HTTP plumbing of the Consul API: bounded JSON bodies, Consul's plain-text errors, the
// blocking-query parameters (index, wait) and the wait itself.
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGoDuration } from './consul-json.js';
import type { Registry } from './registry.js';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Consul's defaults: a blocking query waits 5 minutes unless told, 10 at most. */
export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, JSON.stringify(body), headers);
}

export function sendJsonText(res: ServerResponse, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An empty 200, as Consul answers writes. */
export function sendOk(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 0 });
  res.end();
}

/** The body as JSON, at most MAX_BODY_BYTES; an empty body is undefined. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpProblem(400, `Request decode failed: ${(error as Error).message}`);
  }
}

function tooLarge(): HttpProblem {
  return new HttpProblem(413, `Request body too large: at most ${MAX_BODY_BYTES} bytes`);
}

export interface BlockingParams {
  /** 0: answer at once. */
  readonly index: number;
  readonly waitMs: number;
}

export function blockingParams(url: URL): BlockingParams {
  const indexText = url.searchParams.get('index');
  const waitText = url.searchParams.get('wait');
  let index = 0;
  if (indexText !== null && indexText !== '') {
    if (!/^\d{1,15}$/.test(indexText)) throw new HttpProblem(400, `Invalid index: ${JSON.stringify(indexText)}`);
    index = Number(indexText);
  }
  let waitMs = DEFAULT_WAIT_MS;
  if (waitText !== null && waitText !== '') {
    // Consul reads a bare number as seconds here.
    const parsed = /^\d+$/.test(waitText) ? Number(waitText) * 1000 : parseGoDuration(waitText);
    if (parsed === undefined || parsed < 0) throw new HttpProblem(400, `Invalid wait time: ${JSON.stringify(waitText)}`);
    waitMs = Math.min(parsed, MAX_WAIT_MS);
  }
  return { index, waitMs };
}

/** ?passing, ?passing=true, ?passing=1: yes; ?passing=false, =0: no. */
export function booleanParam(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  if (value === null) return false;
  if (value === '' || /^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new HttpProblem(400, `Invalid value for ?${name}: ${JSON.stringify(value)}`);
}

/**
 * Waits until `indexOf()` passes `after`, the wait (plus Consul's jitter of up to 1/16 of it)
 * runs out, or the client goes away. An index of 0 does not wait.
 */
export function waitForIndex(registry: Registry, res: ServerResponse, indexOf: () => number, params: BlockingParams): Promise<void> {
  if (params.index === 0 || indexOf() > params.index) return Promise.resolve();
  const jitter = params.waitMs >= 16 ? randomInt(Math.floor(params.waitMs / 16) + 1) : 0;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, params.waitMs + jitter);
    const unsubscribe = registry.subscribe(() => {
      if (indexOf() > params.index) done();
    });
    // The response closing before it was written: the client went away.
    res.once('close', done);
  });
}
