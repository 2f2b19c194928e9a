// Checks the schema cannot express: names that must refer to something, addresses, CIDRs,
// files that must exist. Runs only on a schema-valid config.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RawConfig } from './schema.js';
import { closest, type Diagnostic } from './diagnostics.js';
import type { ConfigSource } from './source.js';
import { parseAddress, isLoopback } from '../net/address.js';
import { parseCidr } from '../net/cidr.js';

export function checkReferences(config: RawConfig, source: ConfigSource, baseDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string) => out.push(source.diagnostic(path, message));
  const fileMustExist = (path: (string | number)[], file: string, what: string) => {
    if (!existsSync(resolve(baseDir, file))) at(path, `${what} ${JSON.stringify(file)} does not exist`);
  };

  const pools = new Set([...Object.keys(config.upstreams ?? {}), ...Object.keys(config.apps ?? {})]);
  for (const name of Object.keys(config.apps ?? {})) {
    if (config.upstreams?.[name]) at(['apps', name], `"${name}" is both an app and an upstream; names must be unique`);
  }

  (config.listen ?? []).forEach((entry, i) => {
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
  });

  if (config.control?.address) {
    const control = parseAddress(config.control.address, '127.0.0.1');
    if (!control) at(['control', 'address'], `invalid control address ${JSON.stringify(config.control.address)}`);
    else if (!isLoopback(control.host) && !config.control.token) {
      at(['control', 'address'], 'control.token is required when the control address is not loopback');
    }
  }

  (config.trusted_proxies ?? []).forEach((cidr, i) => {
    if (!parseCidr(cidr)) at(['trusted_proxies', i], `invalid address or CIDR ${JSON.stringify(cidr)}`);
  });

  for (const [name, upstream] of Object.entries(config.upstreams ?? {})) {
    upstream.servers.forEach((server, i) => {
      const address = typeof server === 'string' ? server : server.address;
      const path = typeof server === 'string' ? ['upstreams', name, 'servers', i] : ['upstreams', name, 'servers', i, 'address'];
      const parsed = parseAddress(address, '');
      if (!parsed || !parsed.host) at(path, `invalid server address ${JSON.stringify(address)} (expected host:port)`);
    });
  }

  for (const [name, app] of Object.entries(config.apps ?? {})) {
    if (app.cwd && !isDirectory(resolve(baseDir, app.cwd))) at(['apps', name, 'cwd'], `directory ${JSON.stringify(app.cwd)} does not exist`);
  }

  const seenRoutes = new Map<string, number>();
  (config.routes ?? []).forEach((route, i) => {
    const actions = (['proxy', 'static', 'redirect'] as const).filter((k) => route[k] !== undefined);
    if (actions.length !== 1) {
      at(['routes', i], actions.length === 0 ? 'route needs one of proxy, static or redirect' : `route has ${actions.join(' and ')}; choose one`);
    }
    if (route.proxy !== undefined && !pools.has(route.proxy)) {
      const hint = closest(route.proxy, pools);
      at(['routes', i, 'proxy'], `proxy "${route.proxy}" names no upstream or app${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    if (route.static !== undefined && !isDirectory(resolve(baseDir, route.static))) {
      at(['routes', i, 'static'], `static directory ${JSON.stringify(route.static)} does not exist`);
    }
    if (route.auth) fileMustExist(['routes', i, 'auth', 'htpasswd'], route.auth.htpasswd, 'htpasswd file');
    (route.access ?? []).forEach((rule, j) => {
      const target = rule.trim().split(/\s+/)[1] ?? '';
      if (target !== 'all' && !parseCidr(target)) at(['routes', i, 'access', j], `invalid address or CIDR ${JSON.stringify(target)} in access rule`);
    });
    const hosts = route.host === undefined ? ['*'] : Array.isArray(route.host) ? route.host : [route.host];
    hosts.forEach((host, h) => {
      if (!/^(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/.test(host) && host !== '*') {
        at(Array.isArray(route.host) ? ['routes', i, 'host', h] : ['routes', i, 'host'], `invalid host pattern ${JSON.stringify(host)}`);
      }
      const key = `${host.toLowerCase()} ${route.path ?? '/'}`;
      const previous = seenRoutes.get(key);
      if (previous !== undefined) at(['routes', i, 'path'], `duplicate route: routes[${previous}] already matches host ${host} path ${route.path ?? '/'}`);
      else seenRoutes.set(key, i);
    });
  });
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
