// The Range header (RFC 9110 section 14.2), single byte ranges only. A request for several
// ranges gets the whole file with 200, which the RFC permits and which spares us multipart
// bodies; a header we cannot parse is ignored the same way.

export type RangeOutcome =
  | { readonly kind: 'whole' }
  | { readonly kind: 'unsatisfiable' }
  /** Inclusive byte offsets, as Content-Range writes them. */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number };

const WHOLE: RangeOutcome = { kind: 'whole' };
const UNSATISFIABLE: RangeOutcome = { kind: 'unsatisfiable' };
const DIGITS = /^\d+$/;

export function parseRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return WHOLE;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE;
  const spec = header.slice(equals + 1).trim();
  if (spec.includes(',')) return WHOLE;
  const dash = spec.indexOf('-');
  if (dash < 0) return WHOLE;
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();

  if (first === '') {
    // "-n": the last n bytes
    if (!DIGITS.test(last)) return WHOLE;
    const length = Number(last);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return WHOLE;
  const start = Number(first);
  const requestedEnd = last === '' ? Infinity : Number(last);
  if (requestedEnd < start) return WHOLE; // syntactically invalid, so ignored
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end: Math.min(requestedEnd, size - 1) };
}
