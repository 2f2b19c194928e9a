// Requests at the edge of the protocol, sent to a real nginx and to wharf with the same routes
// (a denied /admin prefix, everything else proxied): the same status, and for a forwarded
// request the same path and Host at the backend.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { LOOPBACK, startWharf } from '../helpers/wharf.js';
import { nginxInstalled, startNginx } from '../balance/nginx-harness.js';
import { portOf, rawExchange } from './raw-http.js';

const missing = !nginxInstalled();
if (missing && interopRequired()) throw new Error('nginx (/usr/sbin/nginx) is required: WHARF_REQUIRE_INTEROP is set');
const skip = missing ? 'nginx is not installed (/usr/sbin/nginx)' : false;

/** Request head lines (without the final blank line); each is sent on its own connection. */
const REQUESTS = [
  // Refused by both.
  'TRACE / HTTP/1.1\r\nHost: a.test',
  'GET /a/../../g HTTP/1.1\r\nHost: a.test',
  'GET /../a/f HTTP/1.1\r\nHost: a.test',
  'GET /a/%2e%2e/%2e%2e/g HTTP/1.1\r\nHost: a.test',
  'GET /a/..%2f..%2fg HTTP/1.1\r\nHost: a.test',
  // Forwarded as sent (the normalized path is only for matching).
  'GET /a/./b/../c HTTP/1.1\r\nHost: a.test',
  'GET /a//b?x=/../.. HTTP/1.1\r\nHost: a.test',
  'GET /a/.. HTTP/1.1\r\nHost: a.test',
  // HTTP/1.0 may name no host: the backend gets the upstream's name, never an empty Host.
  'GET /old HTTP/1.0',
  // Path parameters and their escaped form stay inside the prefix they extend.
  'GET /admin;x HTTP/1.1\r\nHost: a.test',
  'GET /admin%3Bx HTTP/1.1\r\nHost: a.test',
  'GET /admin%3bjsessionid=1/users HTTP/1.1\r\nHost: a.test',
  'GET /admin/;x HTTP/1.1\r\nHost: a.test',
  'GET /admin;x/../y HTTP/1.1\r\nHost: a.test',
  'GET /ad;min HTTP/1.1\r\nHost: a.test',
  'GET /public/../admin HTTP/1.1\r\nHost: a.test',
  'GET /%61dmin HTTP/1.1\r\nHost: a.test',
];

interface Outcome {
  readonly request: string;
  readonly status: number;
  /**
   * What the backend saw for a forwarded request: its path, and its Host when the client named
   * none (with a Host, wharf keeps the client's and nginx sends its $proxy_host: a documented difference).
   */
  readonly seen: string;
}

describe('requests at the edge of the protocol match nginx', { skip }, () => {
  let backend: Backend;

  before(async () => {
    backend = await startBackend('u', (req, res) => res.end('ok'));
  });
  after(async () => {
    await backend?.close();
  });

  async function drive(port: number): Promise<Outcome[]> {
    const out: Outcome[] = [];
    for (const request of REQUESTS) {
      const before = backend.seen.length;
      const answer = await rawExchange(port, `${request}\r\nConnection: close\r\n\r\n`);
      const hostless = !request.includes('\r\nHost:');
      const seen = backend.seen.slice(before).map((s) => (hostless ? `${s.url} ${s.headers.host}` : s.url)).join(' | ');
      out.push({ request: request.split('\r\n')[0]!, status: answer.status, seen });
    }
    return out;
  }

  test('same status, same forwarded path and Host', async () => {
    const backends = new Map([['u', backend]]);
    const nginx = await startNginx({ retries: 0, servers: [{ backend: 'u' }] }, backends, 'location /admin { deny all; }');
    let fromNginx: Outcome[];
    try {
      fromNginx = await drive(portOf(nginx.baseUrl));
    } finally {
      await nginx.stop();
    }
    const wharf = await startWharf(`${LOOPBACK}access_log: off
upstreams:
  u: { servers: [${backend.address}] }
routes:
  - { path: /admin, proxy: u, access: [ "deny all" ] }
  - { path: /, proxy: u }
`);
    let fromWharf: Outcome[];
    try {
      fromWharf = await drive(portOf(wharf.baseUrl));
    } finally {
      await wharf.stop();
    }
    // nginx itself, so the comparison means what it says.
    const byRequest = new Map(fromNginx.map((o) => [o.request, o]));
    assert.equal(byRequest.get('TRACE / HTTP/1.1')!.status, 405);
    assert.equal(byRequest.get('GET /../a/f HTTP/1.1')!.status, 400);
    assert.equal(byRequest.get('GET /admin;x HTTP/1.1')!.status, 403);
    assert.equal(byRequest.get('GET /old HTTP/1.0')!.seen, '/old u');
    assert.deepEqual(fromWharf, fromNginx);
  });
});
