// nginx and the wharf config imported from its nginx.conf, run one after the other on the same
// ports, answer a request corpus the same way: the plain listener only redirects to HTTPS
// (also for the paths the TLS server proxies), the TLS server's locations answer on TLS
// only (proxy with the prefix stripped, static files, a location return), and a second
// plain-HTTP server keeps its host.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { importFile } from '../../src/importers/import-file.js';
import { startWharf } from '../helpers/wharf.js';
import { skipMissing, startBackend, type Backend } from '../helpers/backends.js';
import { freePort, NGINX, nginxInstalled } from '../balance/nginx-harness.js';
import { makeCert, opensslAvailable } from '../edge/certs.js';
import { runnable } from './behaviour-support.js';

interface Probe {
  readonly tls: boolean;
  readonly host: string;
  readonly path: string;
}

interface Outcome {
  readonly status: number;
  readonly location?: string;
  /** What the backend saw (host and path), or the static file, or nothing. */
  readonly body: string;
}

const CORPUS: Probe[] = [
  { tls: false, host: 'shop.test', path: '/' },
  { tls: false, host: 'shop.test', path: '/api/books?page=2' },
  { tls: false, host: 'shop.test', path: '/index.html' },
  { tls: true, host: 'shop.test', path: '/' },
  { tls: true, host: 'shop.test', path: '/api/books?page=2' },
  { tls: true, host: 'shop.test', path: '/old' },
  { tls: true, host: 'shop.test', path: '/missing.txt' },
  { tls: false, host: 'admin.test', path: '/hello' },
];

const conf = (plain: number, tls: number, backend: Backend, dir: string) => `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  server {
    listen 127.0.0.1:${plain};
    server_name shop.test;
    return 301 https://$host$request_uri;
  }
  server {
    listen 127.0.0.1:${tls} ssl;
    server_name shop.test;
    ssl_certificate ${dir}/shop.crt;
    ssl_certificate_key ${dir}/shop.key;
    root ${dir}/html;
    location / { index index.html; }
    location /api/ { proxy_pass http://${backend.address}/; }
    location /old { return 302 https://shop.test/new; }
  }
  server {
    listen 127.0.0.1:${plain};
    server_name admin.test;
    location / { proxy_pass http://${backend.address}; }
  }
}
`;

function ask(port: number, probe: Probe, ca: Buffer): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path: probe.path, headers: { host: probe.host }, agent: false as const, servername: probe.host, ca };
    const req = (probe.tls ? httpsRequest : httpRequest)(options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location && { location: res.headers.location }),
          // Error pages differ between the two (nginx's HTML, wharf's text); the status is what counts.
          body: (res.statusCode ?? 0) >= 300 ? '' : body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function answersOn(plain: number, tls: number, ca: Buffer): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const probe of CORPUS) out.push(await ask(probe.tls ? tls : plain, probe, ca));
  return out;
}

async function waitAccepting(port: number, ca: Buffer): Promise<void> {
  for (let i = 0; i < 250; i++) {
    try {
      await ask(port, { tls: false, host: 'admin.test', path: '/' }, ca);
      return;
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`nothing answers on ${port}`);
}

describe('nginx.conf imported: the same requests get the same answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wharf-nginx-behaviour-'));
  chmodSync(dir, 0o755);
  let backend: Backend | undefined;
  after(async () => {
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('real nginx, then wharf with the imported config, on the same ports', async (t) => {
    if (!nginxInstalled()) return skipMissing(t, 'nginx');
    if (!opensslAvailable()) return skipMissing(t, 'openssl');
    backend = await startBackend('app', (req, res) => res.end(`${req.headers.host} ${req.url}`));
    makeCert(dir, 'shop', ['shop.test']);
    const ca = readFileSync(join(dir, 'shop.crt'));
    mkdirSync(join(dir, 'html'));
    mkdirSync(join(dir, 'tmp'));
    writeFileSync(join(dir, 'html', 'index.html'), 'the shop\n');
    const [plain, tls] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'nginx.conf'), conf(plain, tls, backend, dir));

    const nginx = spawn(NGINX, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
    const nginxExited = new Promise((resolve) => nginx.once('exit', resolve));
    let original: Outcome[];
    try {
      await waitAccepting(plain, ca);
      original = await answersOn(plain, tls, ca);
    } finally {
      nginx.kill('SIGTERM');
      await nginxExited;
    }
    // The corpus means what it says: redirects on plain HTTP, the TLS routes on TLS only.
    assert.deepEqual(original.slice(0, 3).map((o) => [o.status, o.location]), [
      [301, 'https://shop.test/'],
      [301, 'https://shop.test/api/books?page=2'],
      [301, 'https://shop.test/index.html'],
    ]);
    assert.deepEqual(original[4], { status: 200, body: `${backend.address} /books?page=2` });

    const imported = await importFile(join(dir, 'nginx.conf'));
    const wharf = await startWharf(runnable(imported.yaml, []), { dir });
    let viaWharf: Outcome[];
    try {
      viaWharf = await answersOn(plain, tls, ca);
    } finally {
      await wharf.stop();
    }
    // nginx sends the upstream address as Host (proxy_pass default); wharf keeps the client's Host.
    const hostless = (outcomes: Outcome[]) => outcomes.map((o) => ({ ...o, body: o.body.replace(/^\S+ /, '') }));
    assert.deepEqual(hostless(viaWharf), hostless(original), imported.yaml);
  });
});
