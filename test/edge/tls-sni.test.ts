// HTTPS listeners: the certificate is chosen by SNI, only TLS 1.2+ is spoken, HTTP/1.1
// still works over TLS, and a certificate replaced on disk is picked up without a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBackend, interopRequired, type Backend } from '../helpers/backends.js';
import { startWharf, type RunningWharf } from '../helpers/wharf.js';
import { makeCert, opensslAvailable, serialOf } from './certs.js';
import { portOf } from './raw-http.js';

interface Handshake {
  readonly cert: PeerCertificate;
  readonly protocol: string | null;
  readonly alpn: string | false | null;
}

function handshake(port: number, options: { servername?: string; alpn?: string[]; minVersion?: 'TLSv1.1' | 'TLSv1.2'; maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: options.servername,
      rejectUnauthorized: false,
      ALPNProtocols: options.alpn,
      minVersion: options.minVersion,
      maxVersion: options.maxVersion,
      ciphers: options.ciphers,
    });
    socket.once('secureConnect', () => {
      const result = { cert: socket.getPeerCertificate(), protocol: socket.getProtocol(), alpn: socket.alpnProtocol };
      socket.end();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

const available = opensslAvailable();

describe('TLS listener', { skip: !available && !interopRequired() ? 'openssl CLI not installed' : false }, () => {
  let dir: string;
  let backend: Backend;
  let w: RunningWharf;
  let port: number;
  let a: { cert: string; key: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wharf-tls-'));
    a = makeCert(dir, 'a', ['a.test'], 'first');
    const b = makeCert(dir, 'b', ['b.test', 'www.b.test']);
    const wild = makeCert(dir, 'wild', ['*.wild.test']);
    backend = await startBackend('tls-backend');
    // So that the backend itself takes the large headers the edge is configured to allow.
    Object.assign(backend.server, { maxHeaderSize: 64 * 1024 });
    w = await startWharf(
      `listen:
  - address: 127.0.0.1:0
    tls:
      - { cert: ${a.cert}, key: ${a.key} }
      - { cert: ${b.cert}, key: ${b.key} }
      - { cert: ${wild.cert}, key: ${wild.key} }
control: { address: 127.0.0.1:0 }
access_log: off
timeouts: { client_header: 800ms }
limits: { max_header_size: 32k }
upstreams:
  api: { servers: [${backend.address}] }
routes:
  - { path: /, proxy: api }
`,
      { dir },
    );
    port = portOf(w.baseUrl);
  });

  after(async () => {
    await w?.stop();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('SNI chooses the certificate whose names match', async () => {
    assert.equal((await handshake(port, { servername: 'a.test' })).cert.subject.CN, 'a.test');
    assert.equal((await handshake(port, { servername: 'b.test' })).cert.subject.CN, 'b.test');
    assert.equal((await handshake(port, { servername: 'www.b.test' })).cert.subject.CN, 'b.test');
    assert.equal((await handshake(port, { servername: 'API.Wild.Test' })).cert.subject.CN, '*.wild.test');
  });

  test('no SNI, or a name no certificate has, gets the first certificate', async () => {
    assert.equal((await handshake(port)).cert.subject.CN, 'a.test');
    assert.equal((await handshake(port, { servername: 'unknown.test' })).cert.subject.CN, 'a.test');
    assert.equal((await handshake(port, { servername: 'wild.test' })).cert.subject.CN, 'a.test');
  });

  test('TLS 1.2 and 1.3 are accepted; TLS 1.1 is refused', async () => {
    assert.equal((await handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
    assert.equal((await handshake(port, { servername: 'a.test' })).protocol, 'TLSv1.3');
    const legacy = { servername: 'a.test', minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } as const;
    // The same client settings do complete a TLS 1.1 handshake with a server that allows it.
    const permissive = createTlsServer({ cert: readFileSync(a.cert), key: readFileSync(a.key), minVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((resolve) => permissive.listen(0, '127.0.0.1', resolve));
    try {
      const control = await handshake((permissive.address() as { port: number }).port, legacy);
      assert.equal(control.protocol, 'TLSv1.1');
    } finally {
      permissive.close();
    }
    await assert.rejects(handshake(port, legacy));
  });

  test('ALPN offers h2 and falls back to http/1.1', async () => {
    assert.equal((await handshake(port, { servername: 'a.test', alpn: ['h2', 'http/1.1'] })).alpn, 'h2');
    assert.equal((await handshake(port, { servername: 'a.test', alpn: ['http/1.1'] })).alpn, 'http/1.1');
  });

  test('HTTP/1.1 over TLS is proxied with X-Forwarded-Proto https', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/over-tls', servername: 'b.test', headers: { host: 'b.test' }, rejectUnauthorized: false, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    const echo = JSON.parse(body) as { url: string; headers: Record<string, string> };
    assert.equal(echo.url, '/over-tls');
    assert.equal(echo.headers['x-forwarded-proto'], 'https');
    assert.equal(echo.headers.host, 'b.test');
  });

  /** Raw HTTP/1.1 over TLS (ALPN http/1.1); resolves with what came back and when the server closed. */
  function rawOverTls(lines: string, trickle = false): Promise<{ text: string; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      let text = '';
      let timer: NodeJS.Timeout | undefined;
      const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'a.test', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
        socket.write(lines);
        let i = 0;
        if (trickle) timer = setInterval(() => socket.writable && socket.write(`X-Slow-${i++}: 1\r\n`), 150);
      });
      const guard = setTimeout(() => socket.destroy(), 5000);
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(guard);
        resolve({ text, ms: Date.now() - started });
      });
    });
  }

  test('HTTP/1.1 over TLS: slow headers are cut after client_header', async () => {
    const { ms } = await rawOverTls('GET /slow HTTP/1.1\r\nHost: a.test\r\n', true);
    assert.ok(ms < 4000, `open for ${ms} ms with client_header 800ms`);
    assert.ok(!backend.seen.some((s) => s.url === '/slow'));
  });

  test('HTTP/1.1 over TLS: max_header_size applies and Host is required', async () => {
    const big = await rawOverTls(`GET /big HTTP/1.1\r\nHost: a.test\r\nX-Big: ${'b'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assert.match(big.text, /^HTTP\/1\.1 200 /);
    const tooBig = await rawOverTls(`GET /too-big HTTP/1.1\r\nHost: a.test\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`);
    assert.match(tooBig.text, /^HTTP\/1\.1 431 /);
    const noHost = await rawOverTls('GET /no-host HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(noHost.text, /^HTTP\/1\.1 400 /);
    assert.ok(!backend.seen.some((s) => s.url === '/too-big' || s.url === '/no-host'));
  });

  test('a connection that never starts the TLS handshake is closed after client_header', async () => {
    const ms = await new Promise<number>((resolve) => {
      const started = Date.now();
      const socket = netConnect(port, '127.0.0.1');
      const guard = setTimeout(() => socket.destroy(), 5000);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(guard);
        resolve(Date.now() - started);
      });
    });
    assert.ok(ms < 4000, `a silent TCP connection stayed open ${ms} ms`);
  });

  test('a certificate replaced on disk is served to new handshakes within seconds', async () => {
    const before = await handshake(port, { servername: 'a.test' });
    assert.equal(before.cert.subject.O, 'first');
    const renewed = makeCert(dir, 'a-renewed', ['a.test'], 'renewed');
    // certbot-style: new files copied over the old names (key first, then certificate).
    copyFileSync(renewed.key, a.key);
    copyFileSync(renewed.cert, a.cert);
    const wanted = serialOf(a.cert);
    let seen: Handshake | undefined;
    for (let i = 0; i < 50; i++) {
      seen = await handshake(port, { servername: 'a.test' });
      if (seen.cert.serialNumber.toUpperCase() === wanted.toUpperCase()) break;
      await sleep(100);
    }
    assert.equal(seen?.cert.subject.O, 'renewed');
    assert.equal(seen?.cert.serialNumber.toUpperCase(), wanted.toUpperCase());
    // The other names are unaffected, and the no-SNI default follows the renewed first pair.
    assert.equal((await handshake(port, { servername: 'b.test' })).cert.subject.CN, 'b.test');
    assert.equal((await handshake(port)).cert.subject.O, 'renewed');
  });
});

