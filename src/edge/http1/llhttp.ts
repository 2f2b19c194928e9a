// Node's own HTTP/1.1 request parser (llhttp, the one http.Server uses), reached through the
// `_http_common` module: the same strictness about malformed requests without http.Server's
// per-request stream objects. Typed here once so the rest of the layer never sees `any`.
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

interface ParserModule {
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

const parserModule = createRequire(import.meta.url)('_http_common') as ParserModule;

export const METHODS = parserModule.methods;

export interface ParserCallbacks {
  /** Header lines that arrived before the head was complete (a head split across reads). */
  readonly onHeaders: (rawHeaders: string[], url: string) => void;
  readonly onHeadersComplete: HeadersCompleteCallback;
  readonly onBody: (chunk: Buffer) => void;
  readonly onMessageComplete: () => void;
}

/** A strict (no lenient flags) request parser with the given callbacks and header-size cap. */
export function createRequestParser(maxHeaderSize: number, callbacks: ParserCallbacks): RequestParser {
  const { HTTPParser } = parserModule;
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, maxHeaderSize, 0);
  parser[HTTPParser.kOnHeaders] = callbacks.onHeaders;
  parser[HTTPParser.kOnHeadersComplete] = callbacks.onHeadersComplete;
  parser[HTTPParser.kOnBody] = callbacks.onBody;
  parser[HTTPParser.kOnMessageComplete] = callbacks.onMessageComplete;
  return parser;
}
