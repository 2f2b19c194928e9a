// One active health check of one peer: an HTTP GET of the configured path (status in range,
// body matching the optional regex) or a bare TCP connect, bounded by the check's timeout.
// Every check opens a fresh connection, so it also tests that the peer still accepts them.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthConfig } from '../../config/model.js';
import { parseAddress } from '../../net/address.js';

/** Enough of a health page to match a body pattern against; the rest is not read. */
const MAX_BODY_BYTES = 64 * 1024;

export interface ProbeResult {
  readonly ok: boolean;
  /** Why it failed (or the status it passed with), for logs and the 'health' event. */
  readonly reason: string;
}

export interface ProbeSpec {
  readonly health: HealthConfig;
  readonly bodyPattern?: RegExp;
  readonly hostHeader?: string;
}

export function probe(address: string, spec: ProbeSpec): Promise<ProbeResult> {
  const target = parseAddress(address, '127.0.0.1');
  if (!target) return Promise.resolve({ ok: false, reason: `unusable address ${address}` });
  return spec.health.type === 'tcp' ? probeTcp(target.host, target.port, spec.health.timeoutMs) : probeHttp(target.host, target.port, address, spec);
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish({ ok: false, reason: `connect timed out after ${timeoutMs}ms` }), timeoutMs);
    function finish(result: ProbeResult): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    }
    socket.once('connect', () => finish({ ok: true, reason: 'connected' }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
  });
}

function probeHttp(host: string, port: number, address: string, spec: ProbeSpec): Promise<ProbeResult> {
  const { health, bodyPattern, hostHeader } = spec;
  return new Promise((resolve) => {
    let settled = false;
    const req = request({
      host,
      port,
      method: 'GET',
      path: health.path,
      agent: false,
      headers: { host: hostHeader ?? address, 'user-agent': 'wharf-health-check', connection: 'close' },
    });
    const timer = setTimeout(() => finish({ ok: false, reason: `no answer within ${health.timeoutMs}ms` }), health.timeoutMs);
    function finish(result: ProbeResult): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    }
    req.once('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: error.code ?? error.message }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < health.statusMin || status > health.statusMax) {
        res.resume();
        finish({ ok: false, reason: `status ${status}` });
        return;
      }
      if (!bodyPattern) {
        // The status decides; the connection is closed without reading the body.
        finish({ ok: true, reason: `status ${status}` });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const check = () => {
        const body = Buffer.concat(chunks).toString('utf8');
        finish(bodyPattern.test(body) ? { ok: true, reason: `status ${status}` } : { ok: false, reason: 'body does not match' });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_BODY_BYTES) check();
      });
      res.once('end', check);
      res.once('error', (error) => finish({ ok: false, reason: error.message }));
    });
    req.end();
  });
}
