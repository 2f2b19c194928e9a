// The head of a lean HTTP/1.1 response as text, and the framing it commits the body to:
// Content-Length when the handler gave one, chunked otherwise (close-delimited for HTTP/1.0),
// no body for HEAD/1xx/204/304, and a Connection header that says what happens next.
import type { OutgoingHttpHeader } from 'node:http';
import { STATUS_CODES } from 'node:http';

export interface HeadInput {
  readonly status: number;
  readonly statusMessage: string;
  /** Headers set by name (setHeader, or writeHead with an object), lower-case keys. */
  readonly fields: Readonly<Record<string, OutgoingHttpHeader>>;
  /** Flat name, value... list given to writeHead, names as spelled. */
  readonly pairs: readonly string[] | undefined;
  /** The request was HEAD. */
  readonly headRequest: boolean;
  /** The client allows another request and the listener is not shutting down. */
  readonly keepAliveWanted: boolean;
  readonly http10: boolean;
  readonly keepAliveSeconds: number;
  /** The current IMF-fixdate, asked only when the handler set no Date. */
  readonly date: () => string;
}

export interface ComposedHead {
  readonly text: string;
  readonly chunked: boolean;
  readonly bodyless: boolean;
  readonly keepAlive: boolean;
}

/** What the head says about framing, gathered while its lines are written. */
interface Framing {
  length: boolean;
  chunked: boolean;
  connection: string | undefined;
  date: boolean;
}

const INVALID_VALUE = /[\r\n\0]/;

export function composeHead(input: HeadInput): ComposedHead {
  const { status } = input;
  const bodyless = input.headRequest || status === 204 || status === 304 || (status >= 100 && status < 200);
  let text = `HTTP/1.1 ${status} ${input.statusMessage || STATUS_CODES[status] || 'unknown'}\r\n`;
  const framing: Framing = { length: false, chunked: false, connection: undefined, date: false };
  const { fields, pairs } = input;
  for (const name in fields) {
    const value = fields[name]!;
    if (Array.isArray(value)) {
      for (const item of value) text += line(name, item);
      continue;
    }
    text += line(name, value);
    note(framing, name, value);
  }
  if (pairs) {
    for (let i = 0; i < pairs.length; i += 2) {
      const name = pairs[i]!;
      const value = pairs[i + 1]!;
      text += line(name, value);
      // Only names of the lengths note() cares about need lowercasing.
      if (name.length === 14 || name.length === 17 || name.length === 10 || name.length === 4) note(framing, name.toLowerCase(), value);
    }
  }
  if (!framing.date) text += `date: ${input.date()}\r\n`;
  let keepAlive = input.keepAliveWanted && framing.connection !== 'close';
  let chunked = framing.chunked;
  if (!bodyless && !framing.length && !chunked) {
    if (!input.http10) {
      chunked = true;
      text += 'transfer-encoding: chunked\r\n';
    } else keepAlive = false; // HTTP/1.0: the body ends where the connection does
  }
  if (framing.connection === undefined) text += keepAlive ? `connection: keep-alive\r\nkeep-alive: timeout=${input.keepAliveSeconds}\r\n` : 'connection: close\r\n';
  return { text: `${text}\r\n`, chunked: chunked && !bodyless, bodyless, keepAlive };
}

function note(framing: Framing, name: string, value: string | number): void {
  if (name === 'content-length') framing.length = true;
  else if (name === 'transfer-encoding') framing.chunked = /chunked/i.test(String(value));
  else if (name === 'connection') framing.connection = String(value).toLowerCase();
  else if (name === 'date') framing.date = true;
}

function line(name: string, value: string | number): string {
  const text = typeof value === 'string' ? value : String(value);
  if (INVALID_VALUE.test(text)) throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
  return `${name}: ${text}\r\n`;
}
