// Serves files from one directory the way an nginx `alias` location does: index file for
// directories, validators and 304s, single byte ranges, precompressed .br/.gz siblings, and no
// way out of the root (traversal, NUL, backslash, dotfiles and outward symlinks all read as 404).
// Cost of a typical request: realpath + stat of the target, plus an lstat per possible sibling.
import type { OutgoingHttpHeaders } from 'node:http';
import { basename, dirname } from 'node:path';
import { evaluateConditions, ifRangeAllows, validatorsFor } from './conditional.js';
import { acceptedPrecompressed, PRECOMPRESSED } from './encoding.js';
import { contentTypeFor } from './mime.js';
import { parseRange, type RangeOutcome } from './range.js';
import { parseRequestPath } from './request-path.js';
import { isAbsentError, RootedResolver, type FoundEntry } from './resolve-path.js';
import { answerSafely, sendEmpty, sendText, streamFile, type StaticRequest, type StaticResponse } from './respond.js';

export type { StaticRequest, StaticResponse } from './respond.js';

export interface StaticHandlerOptions {
  /** File served for a directory request ending in '/'; default index.html. */
  readonly index?: string;
}

interface Representation {
  readonly entry: FoundEntry;
  readonly coding?: string;
  /** True when a precompressed sibling exists, whichever variant this client gets. */
  readonly negotiated: boolean;
}

const ALLOW = 'GET, HEAD';
const WHOLE: RangeOutcome = { kind: 'whole' };

export class StaticHandler {
  readonly #resolver: RootedResolver;
  readonly #index: string;

  constructor(root: string, options: StaticHandlerOptions = {}) {
    this.#resolver = new RootedResolver(root);
    this.#index = options.index ?? 'index.html';
  }

  /**
   * Answers one request. `path` is the still-encoded URL path below the route's prefix, starting
   * with '/', without query string. Never throws: failures become 404/500 or a reset stream.
   */
  handle(req: StaticRequest, res: StaticResponse, path: string): void {
    const head = req.method === 'HEAD';
    this.#serve(req, res, path, head).catch((error: unknown) => {
      const absent = isAbsentError(error);
      answerSafely(res, () => sendText(res, absent ? 404 : 500, absent ? 'Not Found' : 'Internal Server Error', head));
    });
  }

  async #serve(req: StaticRequest, res: StaticResponse, path: string, head: boolean): Promise<void> {
    if (req.method !== 'GET' && !head) {
      sendText(res, 405, 'Method Not Allowed', false, { allow: ALLOW });
      return;
    }
    const parsed = parseRequestPath(path);
    if (!parsed.ok) {
      if (parsed.code === 'STATIC_BAD_ENCODING') sendText(res, 400, 'Bad Request', head);
      else sendText(res, 404, 'Not Found', head);
      return;
    }
    let found = await this.#resolver.locate(parsed.segments);
    let typeName = parsed.segments.at(-1) ?? '';
    if (found?.stats.isDirectory()) {
      const urlPath = requestUrlPath(req.url, path);
      if (!urlPath.pathname.endsWith('/')) {
        sendText(res, 301, 'Moved Permanently', head, { location: directoryLocation(urlPath.pathname, urlPath.search) });
        return;
      }
      found = await this.#resolver.probeFile(found.path, this.#index);
      typeName = this.#index;
    } else if (parsed.trailingSlash) {
      found = undefined; // "file.txt/" names a directory that is not there
    }
    // Only regular files: a FIFO or device under the root must never be opened.
    if (found === undefined || !found.stats.isFile()) {
      sendText(res, 404, 'Not Found', head);
      return;
    }
    const representation = await this.#negotiate(found, header(req, 'accept-encoding'));
    this.#send(req, res, head, representation, contentTypeFor(typeName));
  }

  async #negotiate(file: FoundEntry, acceptEncoding: string | undefined): Promise<Representation> {
    const dir = dirname(file.path);
    const name = basename(file.path);
    const accepted = acceptedPrecompressed(acceptEncoding);
    for (const option of accepted) {
      const sibling = await this.#resolver.probeFile(dir, name + option.suffix);
      if (sibling !== undefined) return { entry: sibling, coding: option.coding, negotiated: true };
    }
    // A client that gets the original still needs `Vary` when a sibling exists, so that caches
    // keep the variants apart; probe the codings it did not ask for.
    for (const option of PRECOMPRESSED) {
      if (accepted.includes(option)) continue;
      if ((await this.#resolver.probeFile(dir, name + option.suffix)) !== undefined) return { entry: file, negotiated: true };
    }
    return { entry: file, negotiated: false };
  }

  #send(req: StaticRequest, res: StaticResponse, head: boolean, representation: Representation, contentType: string): void {
    const { stats, path } = representation.entry;
    const validators = validatorsFor(stats);
    const headers: OutgoingHttpHeaders = { etag: validators.etag, 'last-modified': validators.lastModified };
    if (representation.negotiated) headers.vary = 'Accept-Encoding';

    const outcome = evaluateConditions(
      {
        ifMatch: header(req, 'if-match'),
        ifUnmodifiedSince: header(req, 'if-unmodified-since'),
        ifNoneMatch: header(req, 'if-none-match'),
        ifModifiedSince: header(req, 'if-modified-since'),
      },
      validators,
    );
    if (outcome === 'not-modified') {
      sendEmpty(res, 304, headers);
      return;
    }
    if (outcome === 'precondition-failed') {
      sendText(res, 412, 'Precondition Failed', head, headers);
      return;
    }

    headers['accept-ranges'] = 'bytes';
    headers['content-type'] = contentType;
    if (representation.coding !== undefined) headers['content-encoding'] = representation.coding;
    const size = stats.size;
    // Range is defined for GET only (RFC 9110 section 14.2); HEAD describes the whole file.
    const range = head || !ifRangeAllows(header(req, 'if-range'), validators) ? WHOLE : parseRange(header(req, 'range'), size);
    if (range.kind === 'unsatisfiable') {
      sendText(res, 416, 'Range Not Satisfiable', head, { ...headers, 'content-range': `bytes */${size}` });
      return;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    headers['content-length'] = end - start + 1;
    const status = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${size}`;
    if (head) {
      sendEmpty(res, status, headers);
      return;
    }
    streamFile(res, status, headers, { path, start, end });
  }
}

function header(req: StaticRequest, name: string): string | undefined {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The path the client actually sent (prefix included), which is what a redirect must extend. */
function requestUrlPath(url: string | undefined, fallback: string): { pathname: string; search: string } {
  if (url === undefined || url === '') return { pathname: fallback, search: '' };
  if (!url.startsWith('/')) {
    // absolute-form request target: "GET http://host/dir HTTP/1.1"
    try {
      const parsed = new URL(url);
      return { pathname: parsed.pathname, search: parsed.search };
    } catch {
      return { pathname: fallback, search: '' };
    }
  }
  const query = url.indexOf('?');
  return query < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, query), search: url.slice(query) };
}

// "//evil.example/x" or "/\evil.example" in Location would send a browser to another host.
function directoryLocation(pathname: string, search: string): string {
  return '/' + pathname.replace(/^[/\\]+/, '') + '/' + search;
}
