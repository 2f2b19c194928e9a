// Shared by the importer tests: an imported config must load in wharf once the files and
// directories it refers to exist next to it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigLoader } from '../../src/config/load.js';
import type { Snapshot } from '../../src/config/model.js';

export function tempDir(prefix: string, after: (fn: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path -> content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/**
 * Writes the YAML as wharf.yaml in a fresh directory, creates every directory and file it
 * refers to (static roots, app cwds, certificates, htpasswd files) and loads it.
 * Throws the loader's ConfigError when the import produced an invalid config.
 */
export function loadImported(yaml: string, after: (fn: () => void) => void, env: NodeJS.ProcessEnv = {}): Snapshot {
  const dir = tempDir('wharf-import-out-', after);
  const config = (parseYaml(yaml) ?? {}) as Record<string, any>;
  const dirs: string[] = [];
  const files: string[] = [];
  for (const entry of config.listen ?? []) {
    const pairs = typeof entry === 'object' && entry.tls ? [entry.tls].flat() : [];
    for (const pair of pairs) files.push(pair.cert, pair.key);
  }
  for (const route of config.routes ?? []) {
    if (route.static) dirs.push(route.static);
    if (route.auth?.htpasswd) files.push(route.auth.htpasswd);
  }
  for (const app of Object.values(config.apps ?? {}) as Record<string, any>[]) if (app.cwd) dirs.push(app.cwd);
  for (const path of dirs) if (!isAbsolute(path)) mkdirSync(join(dir, path), { recursive: true });
  for (const path of files) if (!isAbsolute(path)) writeTree(dir, { [path]: '' });
  writeFileSync(join(dir, 'wharf.yaml'), yaml);
  return new ConfigLoader(env).fromText(join(dir, 'wharf.yaml'), yaml);
}
