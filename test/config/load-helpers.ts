// Shared by the config tests: load text the way `wharf check` does and expose the problems.
import assert from 'node:assert/strict';
import { ConfigLoader } from '../../src/config/load.js';
import { ConfigError, type Diagnostic } from '../../src/config/diagnostics.js';
import type { Snapshot } from '../../src/config/model.js';

/** Lines joined with newlines, so a test reads line N as the N-th array entry. */
export const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}, file = '/nowhere/wharf.yaml'): readonly Diagnostic[] {
  try {
    new ConfigLoader(env).fromText(file, text);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'WHARF_CONFIG_INVALID');
    return error.diagnostics;
  }
  assert.fail('expected the config to be rejected');
}

/** The single problem of a config that has exactly one. */
export function onlyProblem(text: string, env: NodeJS.ProcessEnv = {}): Diagnostic {
  const problems = problemsOf(text, env);
  assert.equal(problems.length, 1, `expected one problem, got:\n${problems.map((p) => `${p.line}:${p.col}: ${p.message}`).join('\n')}`);
  return problems[0]!;
}

export function snapshotOf(text: string, env: NodeJS.ProcessEnv = {}, file = '/nowhere/wharf.yaml'): Snapshot {
  return new ConfigLoader(env).fromText(file, text);
}
