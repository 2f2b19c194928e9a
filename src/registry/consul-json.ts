// Reading Consul's JSON: keys are matched the way Consul's decoder does (case-insensitive,
// snake_case accepted: `DeregisterCriticalServiceAfter` = `deregister_critical_service_after`),
// durations are Go durations ("10s", "1m30s", "250ms"; a bare number is nanoseconds).
import { RegistryError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const keyOf = (name: string) => name.replaceAll('_', '').toLowerCase();

/** The object's value for `name` under any casing; null counts as absent. */
export function field(object: JsonObject, ...names: string[]): unknown {
  const wanted = new Set(names.map(keyOf));
  for (const [key, value] of Object.entries(object)) if (wanted.has(keyOf(key)) && value !== null) return value;
  return undefined;
}

export function bad(message: string): RegistryError {
  return new RegistryError('WHARF_REGISTRY_BAD_REGISTRATION', message);
}

export function stringField(object: JsonObject, what: string, maxLength: number, ...names: string[]): string {
  const value = field(object, ...names);
  if (value === undefined) return '';
  if (typeof value !== 'string') throw bad(`Invalid ${what}: expected a string`);
  if (value.length > maxLength) throw bad(`Invalid ${what}: longer than ${maxLength} characters`);
  return value;
}

export function booleanField(object: JsonObject, what: string, ...names: string[]): boolean {
  const value = field(object, ...names);
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw bad(`Invalid ${what}: expected true or false`);
  return value;
}

export function integerField(object: JsonObject, what: string, min: number, max: number, ...names: string[]): number {
  const value = field(object, ...names);
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`Invalid ${what}: must be a whole number from ${min} to ${max}`);
  }
  return value;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const MAX_DURATION_MS = 10 * 365 * 24 * 3_600_000;

/** A Go duration string in milliseconds, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const start = PART.lastIndex;
    const match = PART.exec(rest);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return sign * total;
}

/** A duration field: a Go duration string, or a number of nanoseconds (Go's JSON form). */
export function durationField(object: JsonObject, what: string, ...names: string[]): number {
  const value = field(object, ...names);
  if (value === undefined || value === '') return 0;
  const ms = typeof value === 'number' ? value / 1e6 : typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (ms === undefined || !Number.isFinite(ms)) throw bad(`Invalid ${what}: ${JSON.stringify(value)} is not a duration (e.g. "10s", "1m30s")`);
  if (ms < 0) throw bad(`Invalid ${what}: must not be negative`);
  if (ms > MAX_DURATION_MS) throw bad(`Invalid ${what}: too long`);
  return ms;
}

/** Milliseconds as a Go duration string ("10s", "1m30s", "0s"), as Consul renders them. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}
