// A Consul service registration body (PUT /v1/agent/service/register) -> ServiceDefinition,
// or a RegistryError saying what is wrong. Everything is bounded so a registration's size is
// too: the 1 MB body limit alone would let 50,000 registrations hold 50 GB.
import { isIP } from 'node:net';
import type { CheckDefinition, HealthStatus, HttpCheckTarget, ServiceDefinition, TcpCheckTarget } from './types.js';
import {
  bad, booleanField, durationField, field, integerField, isObject, stringField, type JsonObject,
} from './consul-json.js';

export const LIMITS = {
  idLength: 256,
  tags: 64,
  tagLength: 256,
  addressLength: 256,
  // Consul's own service meta limits.
  metaPairs: 64,
  metaKeyLength: 128,
  metaValueLength: 512,
  checks: 16,
  textLength: 4096,
  headers: 32,
  /** Consul raises shorter HTTP/TCP intervals to this. */
  minIntervalMs: 1000,
  defaultTimeoutMs: 10_000,
} as const;

const STATUSES: readonly HealthStatus[] = ['passing', 'warning', 'critical'];
const UNSUPPORTED_KINDS: Readonly<Record<string, string>> = {
  args: 'script', scriptargs: 'script', script: 'script', grpc: 'gRPC', h2ping: 'H2PING', dockercontainerid: 'Docker',
  aliasservice: 'alias', aliasnode: 'alias', osservice: 'OS service', udp: 'UDP',
};

export function parseRegistration(body: unknown): ServiceDefinition {
  if (!isObject(body)) throw bad('Request decode failed: the body must be a JSON object');
  const name = stringField(body, 'Name', LIMITS.idLength, 'Name');
  if (name === '') throw bad('Missing service name');
  const id = stringField(body, 'ID', LIMITS.idLength, 'ID') || name;
  if (id.includes('/')) throw bad('Invalid ID: must not contain "/"');
  const kind = stringField(body, 'Kind', 64, 'Kind');
  if (kind !== '') throw bad(`Invalid Kind: ${JSON.stringify(kind)} services (service mesh) are not supported`);
  const address = stringField(body, 'Address', LIMITS.addressLength, 'Address');
  if (address !== '' && !isIP(address) && !/^[A-Za-z0-9.-]+$/.test(address)) throw bad(`Invalid Address: ${JSON.stringify(address)} is neither an IP nor a host name`);
  const port = integerField(body, 'Port', 0, 65535, 'Port');
  const tags = stringList(field(body, 'Tags'), 'Tags');
  const meta = metaOf(field(body, 'Meta'));
  const rawChecks: unknown[] = [];
  const single = field(body, 'Check');
  if (single !== undefined) rawChecks.push(single);
  const many = field(body, 'Checks');
  if (many !== undefined) {
    if (!Array.isArray(many)) throw bad('Invalid Checks: expected a list');
    rawChecks.push(...many);
  }
  if (rawChecks.length > LIMITS.checks) throw bad(`Invalid Checks: at most ${LIMITS.checks} checks per service`);
  const checks = rawChecks.map((raw, i) => checkOf(raw, { id, name, address, port }, rawChecks.length > 1 ? i + 1 : 0));
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw bad(`Invalid Checks: check ID ${JSON.stringify(check.id)} appears twice`);
    ids.add(check.id);
  }
  return { id, name, address, port, tags, meta, checks };
}

/** PUT /v1/agent/check/update's body: { Status, Output }. */
export function parseCheckUpdate(body: unknown): { status: HealthStatus; output: string } {
  if (!isObject(body)) throw bad('Request decode failed: the body must be a JSON object');
  const status = stringField(body, 'Status', 16, 'Status');
  if (!STATUSES.includes(status as HealthStatus)) throw bad(`Invalid check status: ${JSON.stringify(status)} (passing, warning or critical)`);
  return { status: status as HealthStatus, output: truncateOutput(stringField(body, 'Output', Number.MAX_SAFE_INTEGER, 'Output')) };
}

/** Consul keeps at most 4 KB of a check's output. */
export function truncateOutput(text: string): string {
  return text.length > LIMITS.textLength ? `${text.slice(0, LIMITS.textLength)} ...` : text;
}

function checkOf(raw: unknown, service: { id: string; name: string; address: string; port: number }, position: number): CheckDefinition {
  if (!isObject(raw)) throw bad('Invalid check: expected a JSON object');
  for (const key of Object.keys(raw)) {
    const kind = UNSUPPORTED_KINDS[key.replaceAll('_', '').toLowerCase()];
    if (kind && raw[key] !== null && raw[key] !== '' && !(Array.isArray(raw[key]) && (raw[key] as unknown[]).length === 0)) {
      throw bad(`Invalid check: ${kind} checks are not supported by wharf (use HTTP, TCP or TTL)`);
    }
  }
  const http = stringField(raw, 'check HTTP', LIMITS.textLength, 'HTTP');
  const tcp = stringField(raw, 'check TCP', LIMITS.addressLength, 'TCP');
  const ttlMs = durationField(raw, 'check TTL', 'TTL');
  const ttlText = field(raw, 'TTL');
  const kinds = [http && 'HTTP', tcp && 'TCP', ttlText !== undefined && ttlText !== '' && 'TTL'].filter(Boolean);
  if (kinds.length === 0) throw bad('Invalid check: needs one of HTTP, TCP or TTL');
  if (kinds.length > 1) throw bad(`Invalid check: has ${kinds.join(' and ')}; choose one`);
  const statusText = stringField(raw, 'check Status', 16, 'Status');
  if (statusText !== '' && !STATUSES.includes(statusText as HealthStatus)) throw bad(`Invalid check status: ${JSON.stringify(statusText)}`);
  const intervalMs = durationField(raw, 'check Interval', 'Interval');
  const suffix = position ? `:${position}` : '';
  const common = {
    id: stringField(raw, 'CheckID', LIMITS.idLength, 'CheckID', 'ID') || `service:${service.id}${suffix}`,
    name: stringField(raw, 'check Name', LIMITS.idLength, 'Name') || `Service '${service.name}' check`,
    notes: stringField(raw, 'check Notes', LIMITS.textLength, 'Notes'),
    timeoutMs: durationField(raw, 'check Timeout', 'Timeout') || LIMITS.defaultTimeoutMs,
    successBeforePassing: integerField(raw, 'SuccessBeforePassing', 0, 1000, 'SuccessBeforePassing'),
    failuresBeforeCritical: integerField(raw, 'FailuresBeforeCritical', 0, 1000, 'FailuresBeforeCritical'),
    deregisterCriticalAfterMs: durationField(raw, 'DeregisterCriticalServiceAfter', 'DeregisterCriticalServiceAfter'),
    initialStatus: (statusText || 'critical') as HealthStatus,
  };
  if (common.id.includes('/')) throw bad('Invalid CheckID: must not contain "/"');
  if (kinds[0] === 'TTL') {
    if (ttlMs <= 0) throw bad('Invalid check: TTL must be > 0 for TTL checks');
    return { ...common, kind: 'ttl', intervalMs: 0, ttlMs };
  }
  if (intervalMs <= 0) throw bad('Invalid check: Interval must be > 0 for HTTP and TCP checks');
  const interval = Math.max(intervalMs, LIMITS.minIntervalMs);
  if (http) return { ...common, kind: 'http', intervalMs: interval, ttlMs: 0, http: httpTargetOf(raw, http) };
  return { ...common, kind: 'tcp', intervalMs: interval, ttlMs: 0, tcp: tcpTargetOf(tcp) };
}

function httpTargetOf(raw: JsonObject, url: string): HttpCheckTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad(`Invalid check HTTP: ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw bad('Invalid check HTTP: the URL must be http:// or https://');
  const method = stringField(raw, 'check Method', 16, 'Method') || 'GET';
  if (!/^[A-Za-z]+$/.test(method)) throw bad(`Invalid check Method: ${JSON.stringify(method)}`);
  const headers: Record<string, string[]> = {};
  const rawHeaders = field(raw, 'Header');
  if (rawHeaders !== undefined) {
    if (!isObject(rawHeaders)) throw bad('Invalid check Header: expected an object of header name to list of values');
    const entries = Object.entries(rawHeaders);
    if (entries.length > LIMITS.headers) throw bad(`Invalid check Header: at most ${LIMITS.headers} headers`);
    for (const [name, values] of entries) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw bad(`Invalid check Header: ${JSON.stringify(name)} is not a header name`);
      headers[name] = stringList(values, `check Header ${name}`);
    }
  }
  return {
    url,
    method: method.toUpperCase(),
    headers,
    body: stringField(raw, 'check Body', LIMITS.textLength, 'Body'),
    tlsSkipVerify: booleanField(raw, 'TLSSkipVerify', 'TLSSkipVerify'),
  };
}

function tcpTargetOf(text: string): TcpCheckTarget {
  const match = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !match[1] || port < 1 || port > 65535) throw bad(`Invalid check TCP: ${JSON.stringify(text)} is not host:port`);
  return { host: match[1], port };
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw bad(`Invalid ${what}: expected a list of strings`);
  if (value.length > LIMITS.tags) throw bad(`Invalid ${what}: at most ${LIMITS.tags} entries`);
  for (const item of value) {
    if (typeof item !== 'string') throw bad(`Invalid ${what}: expected a list of strings`);
    if (item.length > LIMITS.tagLength) throw bad(`Invalid ${what}: an entry is longer than ${LIMITS.tagLength} characters`);
  }
  return [...value] as string[];
}

function metaOf(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw bad('Invalid Meta: expected an object of string values');
  const entries = Object.entries(value);
  if (entries.length > LIMITS.metaPairs) throw bad(`Invalid Meta: at most ${LIMITS.metaPairs} key/value pairs`);
  const meta: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (!/^[A-Za-z0-9_-]+$/.test(key) || key.length > LIMITS.metaKeyLength) throw bad(`Invalid Meta: key ${JSON.stringify(key)} must be 1-${LIMITS.metaKeyLength} letters, digits, _ or -`);
    if (key.startsWith('consul-')) throw bad(`Invalid Meta: key ${JSON.stringify(key)} uses the reserved prefix "consul-"`);
    if (typeof item !== 'string') throw bad(`Invalid Meta: value of ${JSON.stringify(key)} must be a string`);
    if (item.length > LIMITS.metaValueLength) throw bad(`Invalid Meta: value of ${JSON.stringify(key)} is longer than ${LIMITS.metaValueLength} characters`);
    meta[key] = item;
  }
  return meta;
}
