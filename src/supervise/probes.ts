// One readiness or liveness check against an instance on 127.0.0.1: an HTTP GET whose
// status (and optionally body) must match, or a TCP connect.
import { connect } from 'node:net';
import { Client } from 'undici';
import type { HealthConfig } from '../config/model.js';

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail?: string;
}

const DEFAULT_TIMEOUT_MS = 1_000;

export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (result: ProbeResult) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, detail: `connect timed out after ${timeoutMs}ms` }));
    socket.once('connect', () => finish({ ok: true }));
    socket.once('error', (error) => finish({ ok: false, detail: error.message }));
  });
}

export async function probeHttp(host: string, port: number, health: HealthConfig): Promise<ProbeResult> {
  // A fresh connection per check: a probe must see what a new client would see.
  const client = new Client(`http://${host}:${port}`, {
    connectTimeout: health.timeoutMs,
    headersTimeout: health.timeoutMs,
    bodyTimeout: health.timeoutMs,
  });
  try {
    const response = await client.request({
      method: 'GET',
      path: health.path,
      headers: { 'user-agent': 'wharf-probe' },
      signal: AbortSignal.timeout(health.timeoutMs),
    });
    const body = health.body === undefined ? (await response.body.dump(), '') : await response.body.text();
    if (response.statusCode < health.statusMin || response.statusCode > health.statusMax) {
      return { ok: false, detail: `GET ${health.path} returned ${response.statusCode}` };
    }
    if (health.body !== undefined && !new RegExp(health.body).test(body)) {
      return { ok: false, detail: `GET ${health.path} body does not match /${health.body}/` };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: `GET ${health.path}: ${(error as Error).message}` };
  } finally {
    client.destroy().catch(() => {});
  }
}

/** No health config: the port accepting a connection is the signal. */
export function probe(port: number, health: HealthConfig | undefined, host = '127.0.0.1'): Promise<ProbeResult> {
  if (!health) return probeTcp(host, port, DEFAULT_TIMEOUT_MS);
  if (health.type === 'tcp') return probeTcp(host, port, health.timeoutMs);
  return probeHttp(host, port, health);
}
