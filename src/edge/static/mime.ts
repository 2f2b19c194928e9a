// Content-Type by file extension. A short table of the types a web site actually ships; anything
// else is application/octet-stream so a browser downloads rather than sniffs it.
import { extname } from 'node:path';

const UTF8 = '; charset=utf-8';

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html' + UTF8],
  ['.htm', 'text/html' + UTF8],
  ['.css', 'text/css' + UTF8],
  ['.js', 'text/javascript' + UTF8],
  ['.mjs', 'text/javascript' + UTF8],
  ['.cjs', 'text/javascript' + UTF8],
  ['.json', 'application/json'],
  ['.map', 'application/json'],
  ['.webmanifest', 'application/manifest+json'],
  ['.txt', 'text/plain' + UTF8],
  ['.md', 'text/markdown' + UTF8],
  ['.csv', 'text/csv' + UTF8],
  ['.xml', 'application/xml'],
  ['.rss', 'application/rss+xml'],
  ['.atom', 'application/atom+xml'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
  ['.avif', 'image/avif'],
  ['.ico', 'image/x-icon'],
  ['.bmp', 'image/bmp'],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2'],
  ['.ttf', 'font/ttf'],
  ['.otf', 'font/otf'],
  ['.wasm', 'application/wasm'],
  ['.pdf', 'application/pdf'],
  ['.zip', 'application/zip'],
  ['.gz', 'application/gzip'],
  ['.br', 'application/octet-stream'],
  ['.tar', 'application/x-tar'],
  ['.mp4', 'video/mp4'],
  ['.webm', 'video/webm'],
  ['.ogg', 'audio/ogg'],
  ['.mp3', 'audio/mpeg'],
  ['.wav', 'audio/wav'],
]);

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeFor(fileName: string): string {
  return TYPES.get(extname(fileName).toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}
