// Parsers for the config's human units. Patterns are shared with the schema so an editor
// and `wharf check` reject exactly the same strings.

export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';
export const SIZE_PATTERN = '^\\d+(\\.\\d+)?\\s*([kKmMgG][bB]?|[bB])?$';
export const RATE_PATTERN = '^\\d+(\\.\\d+)?\\s*r/(s|m)$';

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A plain number is seconds, as in nginx (`proxy_read_timeout 60`). */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  let total = 0;
  for (const match of value.matchAll(DURATION_PART)) {
    total += Number(match[1]) * (DURATION_MS[match[2] ?? 's'] ?? 1000);
  }
  return Math.round(total);
}

const SIZE_FACTOR: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** k/m/g are powers of 1024, as in nginx; a plain number is bytes. */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(value.trim());
  if (!match) return Number.NaN;
  return Math.round(Number(match[1]) * (SIZE_FACTOR[(match[2] ?? '').toLowerCase()] ?? 1));
}

/** Requests per second. */
export function parseRate(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*r\/(s|m)$/.exec(value.trim());
  if (!match) return Number.NaN;
  return match[2] === 'm' ? Number(match[1]) / 60 : Number(match[1]);
}
