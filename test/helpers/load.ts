// Keep-alive GET load, bounded in count and time, while something else happens: counts
// failures and what answered (the body, which test apps make name their release or pid).
import { Pool } from 'undici';

export interface LoadResult {
  readonly sent: number;
  readonly failed: number;
  readonly failures: readonly string[];
  /** body -> how many requests it answered. */
  readonly answers: ReadonlyMap<string, number>;
}

export interface LoadOptions {
  readonly path?: string;
  readonly connections?: number;
  readonly maxRequests?: number;
  readonly maxMs?: number;
  /** Requests sent after `action` ends, so a change is seen settled too. */
  readonly tail?: number;
  readonly headers?: Record<string, string>;
}

export async function loadDuring(baseUrl: string, action: () => Promise<void>, options: LoadOptions = {}): Promise<LoadResult> {
  const connections = options.connections ?? 8;
  const maxRequests = options.maxRequests ?? 50_000;
  const maxMs = options.maxMs ?? 20_000;
  const tail = options.tail ?? 200;
  const client = new Pool(baseUrl, { connections, pipelining: 1 });
  let acting = true;
  let sent = 0;
  let afterAction = 0;
  let failed = 0;
  const failures: string[] = [];
  const answers = new Map<string, number>();
  const started = Date.now();
  const worker = async () => {
    while ((acting || afterAction < tail) && sent < maxRequests && Date.now() - started < maxMs) {
      sent++;
      if (!acting) afterAction++;
      try {
        const response = await client.request({ method: 'GET', path: options.path ?? '/', headers: options.headers });
        const body = await response.body.text();
        if (response.statusCode !== 200) {
          failed++;
          failures.push(`${response.statusCode} ${body.slice(0, 200)}`);
        } else answers.set(body, (answers.get(body) ?? 0) + 1);
      } catch (error) {
        failed++;
        failures.push((error as Error).message);
      }
    }
  };
  const load = Promise.all(Array.from({ length: connections }, worker));
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    await action();
  } finally {
    acting = false;
    await load;
    await client.close();
  }
  return { sent, failed, failures, answers };
}
