// Checks the schema cannot express: names that must refer to something, addresses, CIDRs,
// files that must exist. Runs next to schema validation so every problem is reported at once;
// a part shaped too oddly to check (the schema already said why) is skipped on its own,
// without hiding the problems found in the other parts.
import { parseConstraint } from './placement-constraints.js';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RawConfig } from './schema.js';
import { closest, type Diagnostic } from './diagnostics.js';
import type { ConfigSource } from './source.js';
import { formatAddress, parseAddress, type HostPort } from '../net/address.js';
import { parseCidr } from '../net/cidr.js';
import { checkMemberKeys } from './member-keys.js';
import { DEFAULTS } from './normalize.js';

export function checkReferences(config: RawConfig, source: ConfigSource, baseDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!isRecord(config)) return out;
  const at = (path: (string | number)[], message: string) => out.push(source.diagnostic(path, message));
  const fileMustExist = (path: (string | number)[], file: string, what: string) => {
    if (!existsSync(resolve(baseDir, file))) at(path, `${what} ${JSON.stringify(file)} does not exist`);
  };

  const pools = new Set([...Object.keys(mapOf(config.upstreams)), ...Object.keys(mapOf(config.apps))]);
  checkMemberKeys(config, at);
  for (const name of Object.keys(mapOf(config.apps))) {
    if (mapOf(config.upstreams)[name]) at(['apps', name], `"${name}" is both an app and an upstream; names must be unique`);
  }

  listOf(config.listen).forEach((entry, i) => shapeChecked(() => {
    const address = typeof entry === 'string' ? entry : entry.address;
    const path = typeof entry === 'string' ? ['listen', i] : ['listen', i, 'address'];
    if (!parseAddress(address)) at(path, `invalid listen address ${JSON.stringify(address)} (expected host:port)`);
    if (typeof entry !== 'string' && entry.tls) {
      const pairs = Array.isArray(entry.tls) ? entry.tls : [entry.tls];
      pairs.forEach((pair, j) => {
        const base = Array.isArray(entry.tls) ? ['listen', i, 'tls', j] : ['listen', i, 'tls'];
        fileMustExist([...base, 'cert'], pair.cert, 'certificate file');
        fileMustExist([...base, 'key'], pair.key, 'key file');
      });
    }
  }));

  if (isRecord(config.control) && typeof config.control.address === 'string') {
    const control = parseAddress(config.control.address, '127.0.0.1');
    if (!control) at(['control', 'address'], `invalid control address ${JSON.stringify(config.control.address)}`);
    else {
      listOf(config.listen).forEach((entry, i) => shapeChecked(() => {
        const listen = parseAddress(typeof entry === 'string' ? entry : entry.address);
        if (listen && sameSocket(listen, control)) {
          at(['control', 'address'], `control address ${formatAddress(control)} is also listen[${i}] (${formatAddress(listen)}); give the control API its own port`);
        }
      }));
    }
  }
  if (isRecord(config.control) && isRecord(config.control.tls)) {
    fileMustExist(['control', 'tls', 'cert'], config.control.tls.cert, 'certificate file');
    fileMustExist(['control', 'tls', 'key'], config.control.tls.key, 'key file');
  }

  if (isRecord(config.registry)) {
    const listeners: [string, string][] = [['consul_api', 'Consul API'], ['dns', 'DNS']];
    for (const [key, what] of listeners) {
      const address = config.registry[key as 'consul_api' | 'dns'];
      if (typeof address === 'string' && !parseAddress(address, '127.0.0.1')) at(['registry', key], `invalid ${what} address ${JSON.stringify(address)} (expected host:port)`);
    }
  }

  listOf(config.trusted_proxies).forEach((cidr, i) => {
    if (typeof cidr === 'string' && !parseCidr(cidr)) at(['trusted_proxies', i], `invalid address or CIDR ${JSON.stringify(cidr)}`);
  });

  for (const [name, upstream] of Object.entries(mapOf(config.upstreams))) {
    listOf(upstream?.servers).forEach((server, i) => shapeChecked(() => {
      const address = typeof server === 'string' ? server : server.address;
      const path = typeof server === 'string' ? ['upstreams', name, 'servers', i] : ['upstreams', name, 'servers', i, 'address'];
      const parsed = parseAddress(address, '');
      if (!parsed || !parsed.host) at(path, `invalid server address ${JSON.stringify(address)} (expected host:port)`);
    }));
  }

  for (const [name, app] of Object.entries(mapOf(config.apps))) {
    const steps = listOf(app?.rollout?.steps);
    shapeChecked(() => {
      const shares = steps.map((step) => (typeof step === 'number' ? step : Number(String(step).slice(0, -1)) / 100));
      if (steps.length && shares[shares.length - 1] !== 1) at(['apps', name, 'rollout', 'steps', steps.length - 1], 'the last step must be 100% (the new release takes all traffic before it is promoted)');
      shares.forEach((share, i) => {
        if (share <= 0 || share > 1) at(['apps', name, 'rollout', 'steps', i], 'a step is a share above 0% and at most 100%');
        else if (i > 0 && share <= shares[i - 1]!) at(['apps', name, 'rollout', 'steps', i], 'steps must increase');
      });
    });
    listOf(app?.placement?.constraints).forEach((text, i) => {
      if (typeof text !== 'string') return;
      try {
        parseConstraint(text);
      } catch (error) {
        at(['apps', name, 'placement', 'constraints', i], (error as Error).message);
      }
    });
    if (typeof app?.cwd === 'string' && app.cwd && !isDirectory(resolve(baseDir, app.cwd))) at(['apps', name, 'cwd'], `directory ${JSON.stringify(app.cwd)} does not exist`);
    const envFiles = typeof app?.env_file === 'string' ? [app.env_file] : listOf(app?.env_file);
    envFiles.forEach((file, i) => {
      if (typeof file !== 'string') return;
      const path = typeof app?.env_file === 'string' ? ['apps', name, 'env_file'] : ['apps', name, 'env_file', i];
      const problem = unreadable(resolve(baseDir, file));
      if (problem) at(path, `env_file ${JSON.stringify(file)} cannot be read: ${problem}`);
    });
  }

  if (typeof config.access_log === 'string' && !['stdout', 'stderr', 'off'].includes(config.access_log)) {
    const problem = cannotCreateIn(dirname(resolve(baseDir, config.access_log)));
    if (problem) at(['access_log'], `access log ${JSON.stringify(config.access_log)} cannot be written: ${problem}`);
  }

  const listenKeys = new Set<string>();
  listOf(config.listen ?? [DEFAULTS.listen]).forEach((entry) => shapeChecked(() => {
    const parsed = parseAddress(typeof entry === 'string' ? entry : entry.address);
    if (parsed) listenKeys.add(formatAddress(parsed));
  }));

  if (isRecord(config.cluster)) shapeChecked(() => checkEtcdSecurity(config.cluster!, at, fileMustExist));

  const seenRoutes = new Map<string, number>();
  listOf(config.routes).forEach((route, i) => shapeChecked(() => {
    const actions = (['proxy', 'static', 'redirect'] as const).filter((k) => route[k] !== undefined);
    if (actions.length !== 1) {
      at(['routes', i], actions.length === 0 ? 'route needs one of proxy, static or redirect' : `route has ${actions.join(' and ')}; choose one`);
    }
    if (typeof route.proxy === 'string' && !pools.has(route.proxy)) {
      const hint = closest(route.proxy, pools);
      at(['routes', i, 'proxy'], `proxy "${route.proxy}" names no upstream or app${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (typeof route.static === 'string' && !isDirectory(resolve(baseDir, route.static))) {
      at(['routes', i, 'static'], `static directory ${JSON.stringify(route.static)} does not exist`);
    }
    listOf(route.listeners).forEach((address, j) => shapeChecked(() => {
      const parsed = parseAddress(address);
      if (!parsed || !listenKeys.has(formatAddress(parsed))) {
        at(['routes', i, 'listeners', j], `listener ${JSON.stringify(address)} is not one of the listen: addresses`);
      }
    }));
    if (typeof route.auth?.htpasswd === 'string') fileMustExist(['routes', i, 'auth', 'htpasswd'], route.auth.htpasswd, 'htpasswd file');
    listOf(route.access).forEach((rule, j) => shapeChecked(() => {
      const target = rule.trim().split(/\s+/)[1] ?? '';
      if (target !== 'all' && !parseCidr(target)) at(['routes', i, 'access', j], `invalid address or CIDR ${JSON.stringify(target)} in access rule`);
    }));
    const hosts = route.host === undefined ? ['*'] : Array.isArray(route.host) ? route.host : [route.host];
    hosts.forEach((host, h) => shapeChecked(() => {
      if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(host) && host !== '*') {
        at(Array.isArray(route.host) ? ['routes', i, 'host', h] : ['routes', i, 'host'], `invalid host pattern ${JSON.stringify(host)}`);
      }
      // Routes on different listeners (an nginx server per listen) may share host and path.
      const on = listOf(route.listeners).map((a) => { const p = parseAddress(a); return p ? formatAddress(p) : a; }).sort().join(',');
      const key = `${on} ${host.toLowerCase()} ${route.path ?? '/'}`;
      const previous = seenRoutes.get(key);
      if (previous !== undefined) at(['routes', i, 'path'], `duplicate route: routes[${previous}] already matches host ${host} path ${route.path ?? '/'}`);
      else seenRoutes.set(key, i);
    }));
  }));
  return out;
}

/** Two binds collide on one port when their hosts are equal or either is a wildcard. */
/** TLS goes with https:// endpoints, a client certificate with its key, and named files exist. */
function checkEtcdSecurity(
  cluster: NonNullable<RawConfig['cluster']>,
  at: (path: (string | number)[], message: string) => void,
  fileMustExist: (path: (string | number)[], file: string, what: string) => void,
): void {
  const tls = cluster.etcd_tls;
  listOf(cluster.etcd).forEach((endpoint, i) => {
    const https = endpoint.startsWith('https://');
    if (https && !tls) at(['cluster', 'etcd', i], `${endpoint} is https://: set cluster.etcd_tls (at least {} for the system's CAs)`);
    if (!https && tls) at(['cluster', 'etcd', i], `${endpoint} is not https://, but cluster.etcd_tls is set: every endpoint must use TLS`);
  });
  if (tls) {
    if (tls.cert !== undefined && tls.key === undefined) at(['cluster', 'etcd_tls'], 'a client cert needs its key');
    if (tls.key !== undefined && tls.cert === undefined) at(['cluster', 'etcd_tls'], 'a client key needs its cert');
    if (tls.ca !== undefined) fileMustExist(['cluster', 'etcd_tls', 'ca'], tls.ca, 'CA certificate file');
    if (tls.cert !== undefined) fileMustExist(['cluster', 'etcd_tls', 'cert'], tls.cert, 'certificate file');
    if (tls.key !== undefined) fileMustExist(['cluster', 'etcd_tls', 'key'], tls.key, 'key file');
  }
  if (cluster.etcd_auth) fileMustExist(['cluster', 'etcd_auth', 'password_file'], cluster.etcd_auth.password_file, 'password file');
}

function sameSocket(a: HostPort, b: HostPort): boolean {
  if (a.port === 0 || a.port !== b.port) return false;
  const wildcard = (host: string) => host === '0.0.0.0' || host === '::';
  return a.host === b.host || wildcard(a.host) || wildcard(b.host);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapOf<T>(value: Record<string, T> | undefined): Record<string, T> {
  return isRecord(value) ? value : {};
}

function listOf<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** Runs one item's checks; a TypeError means the item is malformed, which the schema reports. */
function shapeChecked(check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Why a file cannot be read, or undefined when it can. */
function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return isDirectory(path) ? 'it is a directory' : undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message;
  }
}

/**
 * Why wharf could not write a file in `dir` (creating the missing directories first, as it
 * does at start), or undefined when it can: the nearest existing ancestor must be a writable directory.
 */
function cannotCreateIn(dir: string): string | undefined {
  let existing = dir;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!isDirectory(existing)) return `${existing} is not a directory`;
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    return existing === dir ? `directory ${dir} is not writable` : `directory ${dir} does not exist and ${existing} is not writable`;
  }
  return undefined;
}
