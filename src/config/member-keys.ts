// Where each pool's members come from, checked with positions: an upstream lists `servers` or
// names a registry `service` (exactly one); an app runs a `command` (supervised) or names a
// `service` (a registry-backed pool, normalized into an upstream), never both; a
// registry-backed app takes pool keys only, since nothing is run for it.
import type { RawConfig } from './schema.js';
import { appKeys, upstreamKeys } from './generated/config-validator.js';
type At = (path: (string | number)[], message: string) => void;

const POOL_AND_SERVICE_KEYS = new Set(upstreamKeys.filter((key) => key !== 'servers'));
/** Keys that only mean something for a process wharf runs (cwd, env, instances, restart...). */
const SUPERVISED_ONLY_KEYS = appKeys.filter((key) => key !== 'command' && !POOL_AND_SERVICE_KEYS.has(key));

export function checkMemberKeys(config: RawConfig, at: At): void {
  for (const [name, upstream] of entries(config.upstreams)) {
    const has = (key: string) => upstream[key] !== undefined;
    if (has('servers') && has('service')) at(['upstreams', name, 'service'], `upstreams.${name} has both "servers" and "service"; choose one`);
    else if (!has('servers') && !has('service')) at(['upstreams', name], `upstreams.${name}: missing required key "servers" (or "service" for members from the registry)`);
    else if (has('tags') && !has('service')) at(['upstreams', name, 'tags'], `upstreams.${name}: "tags" filters a registry service and needs "service"`);
  }
  for (const [name, app] of entries(config.apps)) {
    const has = (key: string) => app[key] !== undefined;
    if (has('command') && has('service')) {
      at(['apps', name, 'service'], `apps.${name} has both "command" (a supervised app) and "service" (a registry-backed pool); choose one`);
    } else if (!has('command') && !has('service')) {
      at(['apps', name], `apps.${name}: missing required key "command" (or "service" for a registry-backed pool)`);
    } else if (has('service')) {
      for (const key of SUPERVISED_ONLY_KEYS) {
        if (has(key)) at(['apps', name, key], `apps.${name}: "${key}" applies to supervised apps (with "command"); this app's members come from service "${String(app.service)}"`);
      }
    }
  }
}

function entries(value: unknown): [string, Record<string, unknown>][] {
  if (!isRecord(value)) return [];
  return Object.entries(value).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
