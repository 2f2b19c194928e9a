// File -> Snapshot, or a ConfigError listing every problem with its FILE:LINE:COL.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, type Diagnostic } from './diagnostics.js';
import { ConfigSource } from './source.js';
import { SchemaValidator } from './validate-schema.js';
import { checkReferences } from './references.js';
import { normalize } from './normalize.js';
import { configWarnings } from './warnings.js';
import type { RawConfig } from './schema.js';
import type { Snapshot } from './model.js';

export class ConfigLoader {
  private readonly validator = new SchemaValidator();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async load(file: string): Promise<Snapshot> {
    const path = resolve(file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new ConfigError(file, [{ line: 1, col: 1, message: `cannot read config: ${(error as Error).message}` }]);
    }
    return this.fromText(file, text);
  }

  /** `baseDir`: where relative paths resolve (default the file's directory; a cluster node's own for an applied config). */
  fromText(file: string, text: string, baseDir = dirname(resolve(file))): Snapshot {
    const path = resolve(file);
    const { source, diagnostics } = ConfigSource.parse(file, text);
    if (diagnostics.length) throw new ConfigError(file, diagnostics);
    const interpolation = source.interpolate(this.env);
    const raw = source.toJS() ?? {};
    const checks = this.validator.validate(raw, source);
    try {
      checks.push(...checkReferences(raw as RawConfig, source, baseDir));
    } catch {
      // A config that failed the schema can be shaped too oddly to cross-check; its schema errors stand.
      if (checks.length === 0 && interpolation.length === 0) throw new ConfigError(file, [{ line: 1, col: 1, message: 'config could not be checked' }]);
    }
    // An unset variable leaves an empty value behind; complaints about that value would only repeat the cause.
    const unset = new Set(interpolation.map((d) => `${d.line}:${d.col}`));
    const problems = [...interpolation, ...checks.filter((d) => !unset.has(`${d.line}:${d.col}`))];
    if (problems.length) throw new ConfigError(file, problems.sort((a, b) => a.line - b.line || a.col - b.col));
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
    const warnings = configWarnings(raw as RawConfig, source).map((d) => `${file}:${d.line}:${d.col}: warning: ${d.message}`);
    return normalize(raw as RawConfig, path, hash, baseDir, warnings);
  }
}
