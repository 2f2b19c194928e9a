// Test fixtures for the static handler: a temp site with a secret next to it, a real HTTP/1.1
// server in front of it, and a raw-socket client for request targets fetch() would normalize.
import { after, before } from 'node:test';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { StaticHandler } from '../../../src/edge/static/static-handler.js';

export const SECRET = 'TOP-SECRET-7f3c9a-do-not-serve';
export const INDEX_HTML = '<!doctype html><title>home</title>';
export const DOCS_HTML = '<!doctype html><title>docs</title>';
export const APP_JS = 'console.log("app");\n'.repeat(50);
export const BUNDLE_JS = 'export const value = "bundle";\n'.repeat(400);

export interface Site {
  readonly base: string;
  readonly root: string;
  remove(): Promise<void>;
}

export async function buildSite(): Promise<Site> {
  const base = await mkdtemp(join(tmpdir(), 'wharf-static-'));
  const root = join(base, 'public');
  const put = (relative: string, content: string | Buffer): Promise<void> => writeFile(join(base, relative), content);
  await mkdir(join(base, 'private'));
  // A sibling of the root whose name starts with the root's name: "inside" by string prefix only.
  await mkdir(join(base, 'public-private'));
  await put('secret.txt', SECRET);
  await put('private/passwd', SECRET);
  await put('public-private/passwd', SECRET);
  for (const dir of ['public', 'public/docs', 'public/empty', 'public/.git', 'public/.well-known', 'public/a b']) await mkdir(join(base, dir));
  await put('public/index.html', INDEX_HTML);
  await put('public/docs/index.html', DOCS_HTML);
  await put('public/app.js', APP_JS);
  await put('public/bundle.js', BUNDLE_JS);
  await put('public/bundle.js.br', brotliCompressSync(BUNDLE_JS));
  await put('public/bundle.js.gz', gzipSync(BUNDLE_JS));
  await put('public/gz-only.css', 'body { color: red }\n'.repeat(100));
  await put('public/gz-only.css.gz', gzipSync('body { color: red }\n'.repeat(100)));
  await put('public/digits.txt', '0123456789');
  await put('public/empty.txt', '');
  await put('public/a b/c.txt', 'spaced');
  await put('public/.env', SECRET);
  await put('public/.git/config', SECRET);
  await put('public/.well-known/security.txt', 'Contact: mailto:security@example.com');
  const typed: Record<string, string> = {
    'style.css': 'body{}', 'data.json': '{}', 'logo.svg': '<svg/>', 'img.png': 'png', 'photo.jpg': 'jpg',
    'anim.gif': 'gif', 'pic.webp': 'webp', 'favicon.ico': 'ico', 'font.woff': 'woff', 'font.woff2': 'woff2',
    'notes.txt': 'notes', 'feed.xml': '<feed/>', 'mod.wasm': 'wasm', 'doc.pdf': 'pdf', 'app.js.map': '{}',
    'clip.mp4': 'mp4', 'mod.mjs': 'export {}', 'blob.xyz': 'unknown',
  };
  for (const [name, content] of Object.entries(typed)) await put(join('public', name), content);
  await symlink(join(base, 'secret.txt'), join(root, 'leak.txt'));
  await symlink('../private', join(root, 'leakdir'));
  await symlink('../public-private', join(root, 'sibling'));
  await symlink(join(base, 'public-private', 'passwd'), join(root, 'sibling.txt'));
  await put('public/sibling-trap.js', 'trap');
  await symlink(join(base, 'public-private', 'passwd'), join(root, 'sibling-trap.js.gz'));
  await symlink('app.js', join(root, 'alias.js'));
  await symlink('docs', join(root, 'docs-link'));
  // A precompressed sibling that is itself a way out must not be served either.
  await put('public/trap.js', 'trap');
  await symlink(join(base, 'secret.txt'), join(root, 'trap.js.gz'));
  return { base, root, remove: () => rm(base, { recursive: true, force: true }) };
}

export type PathOf = (url: string) => string;
/** What the edge passes: the raw path, still percent-encoded. */
export const rawPath: PathOf = (url) => url.split('?')[0] ?? '/';
/** What the WHATWG URL parser leaves (it folds "..", "%2e%2e"). */
export const urlPath: PathOf = (url) => new URL(url, 'http://x').pathname;

export interface RunningServer {
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

export async function serve(root: string, pathOf: PathOf = rawPath, options?: { index?: string }): Promise<RunningServer> {
  const handler = new StaticHandler(root, options);
  const server: Server = createServer((req, res) => handler.handle(req, res, pathOf(req.url ?? '/')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A built site and its server, as the tests of one describe see them. */
export interface ServedSite {
  readonly base: string;
  readonly root: string;
  readonly port: number;
  readonly origin: string;
}

/** Call inside a describe: builds and serves a site before its tests, closes and removes it after. */
export function serveSiteForSuite(pathOf: PathOf = rawPath, options?: { index?: string }): ServedSite {
  let site: Site | undefined;
  let server: RunningServer | undefined;
  before(async () => {
    site = await buildSite();
    server = await serve(site.root, pathOf, options);
  });
  after(async () => {
    await server?.close();
    await site?.remove();
  });
  const running = () => {
    if (!site || !server) throw new Error('the site is served only while its suite runs');
    return { site, server };
  };
  return {
    get base() { return running().site.base; },
    get root() { return running().site.root; },
    get port() { return running().server.port; },
    get origin() { return running().server.origin; },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Sends a request line exactly as written, so traversal payloads reach the server untouched. */
export function rawRequest(port: number, target: string, method = 'GET', extraHeaders = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`timeout on ${target}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`);
  });
}
