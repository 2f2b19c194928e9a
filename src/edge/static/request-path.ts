// Turns the still-encoded request path into safe path segments, or says why it cannot be served.
// Decoding happens exactly once: "%252e%252e" names a file literally called "%2e%2e", it is never
// decoded a second time into "..". Checks run on the decoded text, so "%2e%2e", "..%2f" and
// "%2f.." are all seen as a ".." segment.

export type RequestPathError =
  /** The percent-encoding is malformed or is not UTF-8: 400. */
  | 'STATIC_BAD_ENCODING'
  /** NUL byte, backslash, "." or ".." segment: 404, like any missing file. */
  | 'STATIC_UNSAFE_PATH'
  /** A dotfile or dot-directory (.git, .env, .htpasswd): 404, so they never leak. */
  | 'STATIC_HIDDEN_PATH';

export type RequestPath =
  | { readonly ok: true; readonly segments: readonly string[]; readonly trailingSlash: boolean }
  | { readonly ok: false; readonly code: RequestPathError };

// RFC 8615 well-known URIs (ACME challenges, security.txt) are the one dot-directory sites publish.
const PUBLISHED_DOT_SEGMENTS: ReadonlySet<string> = new Set(['.well-known']);

export function parseRequestPath(encoded: string): RequestPath {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded);
  } catch {
    return { ok: false, code: 'STATIC_BAD_ENCODING' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, code: 'STATIC_UNSAFE_PATH' };
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '') continue; // "//" collapses, as with nginx's merge_slashes
    if (segment === '.' || segment === '..') return { ok: false, code: 'STATIC_UNSAFE_PATH' };
    if (segment.startsWith('.') && !PUBLISHED_DOT_SEGMENTS.has(segment)) return { ok: false, code: 'STATIC_HIDDEN_PATH' };
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash: decoded.endsWith('/') };
}
