// Node's own HTTP/1.1 request parser (llhttp, the one http.Server uses), reached through the
// `_http_common` module: the same strictness about malformed requests without http.Server's
// per-request stream objects. Typed here once so the rest of the layer never sees `any`.
//
// That export is internal and deprecated (DEP0199), so it is checked before use: the module is
// loaded on first need (never at import), its shape is checked (the constructor, the methods and
// constants used here) and one small request is parsed to confirm the callbacks still receive
// what this layer expects. When any of that fails, plain listeners use node:http instead (see
// mode.ts); nothing here throws at import time.
import { createRequire } from 'node:module';

export interface ParserError extends Error {
  readonly code: string;
  readonly bytesParsed: number;
}

export type HeadersCompleteCallback = (
  versionMajor: number,
  versionMinor: number,
  rawHeaders: string[] | undefined,
  method: number,
  url: string | undefined,
  statusCode: number,
  statusMessage: string,
  upgrade: boolean,
  shouldKeepAlive: boolean,
) => number;

export interface RequestParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(data: Buffer): number | ParserError;
  finish(): number | ParserError | undefined;
  free(): void;
  remove?(): void;
  [key: number]: unknown;
}

export interface ParserModule {
  readonly HTTPParser: {
    new (): RequestParser;
    readonly REQUEST: number;
    readonly kOnHeaders: number;
    readonly kOnHeadersComplete: number;
    readonly kOnBody: number;
    readonly kOnMessageComplete: number;
  };
  readonly methods: readonly string[];
}

const CONSTANTS = ['REQUEST', 'kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete'] as const;
const PARSER_METHODS = ['initialize', 'execute', 'finish', 'free'] as const;

/**
 * Why `candidate` cannot serve as the parser module, or undefined when it can: the shape is
 * checked first, then one request (and one malformed request) is parsed with it.
 */
export function parserModuleProblem(candidate: unknown): string | undefined {
  if (typeof candidate !== 'object' || candidate === null) return 'the module is not an object';
  const { HTTPParser, methods } = candidate as Partial<Record<string, unknown>>;
  if (typeof HTTPParser !== 'function') return 'HTTPParser is not exported (or is not a constructor)';
  const statics = HTTPParser as unknown as Record<string, unknown>;
  for (const name of CONSTANTS) {
    if (!Number.isInteger(statics[name])) return `HTTPParser.${name} is not an integer`;
  }
  const proto = (HTTPParser as { prototype?: Record<string, unknown> }).prototype;
  for (const name of PARSER_METHODS) {
    if (typeof proto?.[name] !== 'function') return `HTTPParser.prototype.${name} is not a function`;
  }
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string')) return 'methods is not a list of method names';
  try {
    return probe(candidate as ParserModule);
  } catch (error) {
    return `parsing a probe request threw: ${(error as Error).message}`;
  }
}

/** Parses a known request and a known-bad one; says what came out differently from Node 20-24. */
function probe(mod: ParserModule): string | undefined {
  const seen: { head?: unknown[]; body: string; complete: number } = { body: '', complete: 0 };
  const parser = newParser(mod, 8192, {
    onHeaders: () => undefined,
    onHeadersComplete: (...args) => {
      seen.head = args;
      return 0;
    },
    onBody: (chunk) => {
      seen.body += Buffer.isBuffer(chunk) ? chunk.toString('latin1') : '?';
    },
    onMessageComplete: () => {
      seen.complete++;
    },
  });
  try {
    const good = Buffer.from('POST /probe?q HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok', 'latin1');
    const parsed = parser.execute(good);
    if (parsed !== good.length) return `execute() returned ${describe(parsed)} for a valid request`;
    const head = seen.head;
    if (!head) return 'the headers-complete callback was not called';
    const [major, minor, raw, method, url, , , upgrade, keepAlive] = head;
    if (major !== 1 || minor !== 1) return 'the headers-complete callback did not receive the version first';
    if (!Array.isArray(raw) || raw.join('|') !== 'Host|h|Content-Length|2') return 'the headers-complete callback did not receive the raw header lines';
    if (typeof method !== 'number' || mod.methods[method] !== 'POST') return 'the method index does not name the method in methods[]';
    if (url !== '/probe?q') return 'the headers-complete callback did not receive the URL';
    if (upgrade !== false || keepAlive !== true) return 'the headers-complete callback did not receive upgrade and keep-alive flags';
    if (seen.body !== 'ok') return 'the body callback did not receive the body as a Buffer';
    if (seen.complete !== 1) return 'the message-complete callback was not called once';
    const bad = parser.execute(Buffer.from('GET / HTTP/1.1\r\nHost h\r\n\r\n', 'latin1'));
    if (!(bad instanceof Error) || typeof (bad as ParserError).code !== 'string') return `execute() returned ${describe(bad)} for a malformed request, not an error with a code`;
    return undefined;
  } finally {
    parser.free();
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? `an error (${value.message})` : typeof value === 'number' ? String(value) : typeof value;
}

let loaded: { module?: ParserModule; problem?: string } | undefined;
let methods: readonly string[] = [];

/** Loads and checks `_http_common` once per process; `problem` says why it cannot be used. */
export function loadParserModule(): { module?: ParserModule; problem?: string } {
  if (loaded) return loaded;
  let candidate: unknown;
  try {
    candidate = createRequire(import.meta.url)('_http_common');
  } catch (error) {
    return (loaded = { problem: `node:_http_common cannot be loaded: ${(error as Error).message}` });
  }
  const problem = parserModuleProblem(candidate);
  loaded = problem === undefined ? { module: candidate as ParserModule } : { problem: `node:_http_common has changed: ${problem}` };
  if (loaded.module) methods = loaded.module.methods;
  return loaded;
}

function parserModule(): ParserModule {
  const { module, problem } = loadParserModule();
  if (!module) throw Object.assign(new Error(`the lean HTTP/1.1 layer cannot run: ${problem}`), { code: 'WHARF_HTTP1_UNAVAILABLE' });
  return module;
}

/** The method name for llhttp's method index (parsers exist only once the module passed its check). */
export function methodName(index: number): string | undefined {
  return methods[index];
}

export interface ParserCallbacks {
  /** Header lines that arrived before the head was complete (a head split across reads). */
  readonly onHeaders: (rawHeaders: string[], url: string) => void;
  readonly onHeadersComplete: HeadersCompleteCallback;
  readonly onBody: (chunk: Buffer) => void;
  readonly onMessageComplete: () => void;
}

/** A strict (no lenient flags) request parser with the given callbacks and header-size cap. */
export function createRequestParser(maxHeaderSize: number, callbacks: ParserCallbacks): RequestParser {
  return newParser(parserModule(), maxHeaderSize, callbacks);
}

function newParser(mod: ParserModule, maxHeaderSize: number, callbacks: ParserCallbacks): RequestParser {
  const { HTTPParser } = mod;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, maxHeaderSize, 0);
  parser[HTTPParser.kOnHeaders] = callbacks.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = callbacks.onHeadersComplete;
  parser[HTTPParser.kOnBody] = callbacks.onBody;
  parser[HTTPParser.kOnMessageComplete] = callbacks.onMessageComplete;
  return parser;
}
