// An HTTP check: one request on a fresh connection (a check must see what a new client sees),
// bounded as a whole by the timeout. Without a rule the verdict is Consul's: 2xx passing, 429
// warning, anything else critical; with a rule (a status range, an optional body pattern) it
// is passing inside the rule and critical outside.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { critical, passing, type CheckResult } from './check-result.js';

export interface HttpTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** https instead of http. */
  readonly tls?: boolean;
  readonly tlsSkipVerify?: boolean;
}

export interface HttpRule {
  readonly statusMin: number;
  readonly statusMax: number;
  /** The body (its first 64 KiB) must match. */
  readonly body?: RegExp;
}

/** Enough of a health page to match a body pattern against; the rest is not read. */
const MAX_BODY_BYTES = 64 * 1024;

export function probeHttp(target: HttpTarget, timeoutMs: number, rule?: HttpRule): Promise<CheckResult> {
  const method = target.method ?? 'GET';
  const what = `${method} ${target.path}`;
  return new Promise((resolve) => {
    let settled = false;
    let req: ClientRequest;
    const timer = setTimeout(() => finish(critical(`${what}: no answer within ${timeoutMs}ms`)), timeoutMs);
    function finish(result: CheckResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    }
    const headers = { host: `${target.host}:${target.port}`, 'user-agent': 'wharf-health-check', ...target.headers, connection: 'close' };
    const options = { host: target.host, port: target.port, method, path: target.path, agent: false as const, headers };
    req = target.tls
      ? httpsRequest({ ...options, rejectUnauthorized: !target.tlsSkipVerify, servername: isIP(target.host) ? undefined : target.host })
      : httpRequest(options);
    req.once('error', (error) => finish(critical(`${what}: ${error.message}`)));
    req.once('response', (res: IncomingMessage) => {
      const code = res.statusCode ?? 0;
      const returned = `${what} returned ${code}`;
      if (!rule) {
        res.resume();
        finish(code >= 200 && code < 300 ? passing(returned) : code === 429 ? { status: 'warning', output: returned } : critical(returned));
        return;
      }
      if (code < rule.statusMin || code > rule.statusMax) {
        res.resume();
        finish(critical(returned));
        return;
      }
      const pattern = rule.body;
      // The status decides; the connection is closed without reading the body.
      if (!pattern) return finish(passing(returned));
      const chunks: Buffer[] = [];
      let size = 0;
      const judge = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        finish(pattern.test(body) ? passing(returned) : critical(`${what} body does not match ${String(pattern)}`));
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) judge();
      });
      res.once('end', judge);
      res.once('error', (error) => finish(critical(`${what}: ${error.message}`)));
    });
    req.end();
  });
}
