// Schema validation: Ajv errors turned into positioned, readable diagnostics.
import type { ErrorObject } from 'ajv';
import { validate as compiledValidate, type ConfigValidate } from './generated/config-validator.js';
import { closest, type Diagnostic } from './diagnostics.js';
import type { ConfigPath, ConfigSource } from './source.js';

export class SchemaValidator {
  /** Compiled ahead of time from schema.ts (see validator-source.ts). */
  private readonly check: ConfigValidate = compiledValidate;

  validate(value: unknown, source: ConfigSource): Diagnostic[] {
    if (this.check(value)) return [];
    const errors = pickUnionBranches(this.check.errors ?? []);
    const seen = new Set<string>();
    const out: Diagnostic[] = [];
    for (const error of errors) {
      const diagnostic = describe(error, source);
      const id = `${diagnostic.line}:${diagnostic.col}:${diagnostic.message}`;
      if (!seen.has(id)) {
        seen.add(id);
        out.push(diagnostic);
      }
    }
    return out.sort((a, b) => a.line - b.line || a.col - b.col);
  }
}

/** Segments stay text (a map key "007" is not the number 7); locate() reads list indexes from text. */
function pathOf(instancePath: string): string[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function describe(error: ErrorObject, source: ConfigSource): Diagnostic {
  const path = pathOf(error.instancePath);
  const where = path.length ? path.join('.') : 'config';
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const parent = error.parentSchema as { properties?: object; patternProperties?: object } | undefined;
      if (parent?.patternProperties && !parent.properties) {
        return source.diagnostic([...path, key], `${where}: invalid name "${key}" (use letters, digits, "_", "." and "-")`, true);
      }
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const hint = closest(key, known);
      const suffix = hint ? ` (did you mean "${hint}"?)` : known.length ? ` (known keys: ${known.join(', ')})` : '';
      return source.diagnostic([...path, key], `unknown key "${key}" in ${where}${suffix}`, true);
    }
    case 'required':
      return source.diagnostic(path, `${where}: missing required key "${String(error.params.missingProperty)}"`);
    case 'pattern':
      return source.diagnostic(path, `${where}: ${JSON.stringify(error.data)} is not valid${hintFor(error)}`);
    case 'enum':
    case 'const':
      return source.diagnostic(path, `${where}: ${JSON.stringify(error.data)} is not one of the allowed values`);
    case 'anyOf': {
      const options = unionOptions(error.schema);
      return source.diagnostic(path, `${where}: ${JSON.stringify(error.data)} is not ${options}`);
    }
    case 'type':
      return source.diagnostic(path, `${where}: expected ${String(error.params.type)}, got ${typeName(error.data)}`);
    default:
      return source.diagnostic(path, `${where}: ${error.message ?? 'invalid'}`);
  }
}

function hintFor(error: ErrorObject): string {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  return description ? ` (${description})` : ` (must match ${String(error.params.pattern)})`;
}

function unionOptions(schema: unknown): string {
  const items = Array.isArray(schema) ? (schema as { const?: unknown; type?: string; description?: string }[]) : [];
  const consts = items.filter((s) => s.const !== undefined).map((s) => JSON.stringify(s.const));
  if (consts.length === items.length && consts.length > 0) return `one of ${consts.join(', ')}`;
  const described = items.find((s) => s.description)?.description;
  if (described) return `a valid ${described}`;
  const names = items.map((s) => (s.const !== undefined ? JSON.stringify(s.const) : TYPE_NAMES[s.type ?? ''] ?? 'a value'));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0] ?? 'valid';
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true/false', array: 'a list', object: 'a map',
};

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Ajv reports every failing branch of a union. Keep only the branch the user evidently meant
 * (the one whose type matched the value); if none matched, keep the union's own error.
 */
function pickUnionBranches(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  if (unions.length === 0) return errors;
  const dropped = new Set<ErrorObject>();
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const branches = new Map<string, ErrorObject[]>();
    for (const e of errors) {
      if (e === union || !e.schemaPath.startsWith(prefix) || !e.instancePath.startsWith(union.instancePath)) continue;
      const branch = e.schemaPath.slice(prefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const typeMatched = [...branches.entries()].filter(
      ([, list]) => !list.some((e) => e.instancePath === union.instancePath && (e.keyword === 'type' || e.keyword === 'const')),
    );
    const keep = typeMatched.length === 1 ? typeMatched[0]![0] : undefined;
    for (const [branch, list] of branches) if (branch !== keep) list.forEach((e) => dropped.add(e));
    if (keep !== undefined) dropped.add(union);
  }
  return errors.filter((e) => !dropped.has(e));
}

export type { ConfigPath };
