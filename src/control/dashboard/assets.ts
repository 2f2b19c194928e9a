// The dashboard's files (plain HTML, CSS and JS beside this module), read once and served from
// memory with a strong ETag, so a reload of the page costs a few 304s. Nothing comes from a CDN.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/**
 * Where the files are: beside this module when run from source; a build that compiles to dist/
 * without copying them still finds them in src/ of the package.
 */
export function dashboardDir(): string {
  const candidates = [fileURLToPath(new URL('.', import.meta.url)), fileURLToPath(new URL('../../../src/control/dashboard/', import.meta.url))];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw Object.assign(new Error(`dashboard files not found (looked in ${candidates.join(', ')})`), { code: 'WHARF_DASHBOARD_MISSING' });
  return found;
}

export class DashboardAssets {
  private readonly assets = new Map<string, Asset>();

  constructor(dir: string = dashboardDir()) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const body = readFileSync(join(dir, name));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      this.assets.set(name, { body, type, etag });
    }
  }

  /** File names served (index.html is also served at /). */
  names(): string[] {
    return [...this.assets.keys()];
  }

  /** Serves `name`; false when there is no such file. */
  serve(req: IncomingMessage, res: ServerResponse, name: string): boolean {
    const asset = this.assets.get(name);
    if (!asset) return false;
    const headers = {
      'content-type': asset.type,
      etag: asset.etag,
      // Revalidate every time: the files change with wharf upgrades, and a 304 is cheap.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(name === 'index.html' && {
        'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
      }),
    };
    if (matches(req.headers['if-none-match'], asset.etag)) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  }
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed === etag || trimmed === `W/${etag}`;
  });
}
