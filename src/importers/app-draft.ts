// Pieces the process-manager importers (PM2, supervisord) share when writing `apps`.
import type { ConfigDraft } from './config-draft.js';

/** A wharf app name ([A-Za-z0-9_.-]) for `wanted`, unique among `taken`. */
export function appName(wanted: string, taken: ReadonlySet<string>): string {
  const base = wanted.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/** Apps are reachable only through a route; say how, since the source format had no routes. */
export function exposeComment(draft: ConfigDraft, name: string): void {
  draft.comment(['apps', name], `to expose ${name}: add a route such as \`- { path: /, proxy: ${name} }\` under routes:`);
}

/** A duration in milliseconds as wharf text: 1500 -> "1500ms", 3000 -> "3s". */
export function msDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A size as written by PM2 or supervisord ("300M", "50MB", "1024") -> wharf size, or undefined. */
export function sizeText(value: unknown): string | number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG])?[bB]?\s*$/.exec(value);
  if (!match) return undefined;
  if (match[2]) return `${match[1]}${match[2].toLowerCase()}`;
  return Number.isInteger(Number(match[1])) ? Number(match[1]) : undefined;
}
