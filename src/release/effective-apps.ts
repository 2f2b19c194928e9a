// What the supervisor runs: each app's config with its current release's changes laid over
// it. A release's env adds to and overrides the config's, its command and cwd replace the
// config's, a source release runs from its own directory; WHARF_RELEASE tells the instances
// which release they are.
import { resolve } from 'node:path';
import type { AppConfig } from '../config/model.js';
import { argvOf } from '../config/normalize.js';
import type { Release } from './release.js';

export function withRelease(config: AppConfig, release: Release | undefined): AppConfig {
  if (!release) return config;
  const { env, command, cwd } = release.changes;
  return {
    ...config,
    env: { ...config.env, ...env, WHARF_RELEASE: String(release.number) },
    argv: command ? argvOf(command) : config.argv,
    cwd: release.dir ?? (cwd ? resolve(config.cwd, cwd) : config.cwd),
  };
}
