// A parsed config document that can answer "where in the file is this value?".
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, parse as parseYaml, type Document, type Node } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

export type ConfigPath = readonly (string | number)[];

export class ConfigSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: ConfigSource; diagnostics: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const source = new ConfigSource(file, text, doc, lines);
    const diagnostics = [...doc.errors, ...doc.warnings].map((e) => source.at(e.pos[0], e.message.split('\n')[0]!));
    return { source, diagnostics };
  }

  /** Replaces ${VAR} and ${VAR:-default} in string scalars; unset variables without a default are errors. */
  interpolate(env: NodeJS.ProcessEnv): Diagnostic[] {
    const problems: Diagnostic[] = [];
    visit(this.doc, {
      Scalar: (_key, node) => {
        if (typeof node.value !== 'string' || !node.value.includes('${')) return;
        const replaced = node.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (_m, name: string, hasDefault, fallback: string) => {
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (hasDefault !== undefined) return fallback ?? '';
          if (value !== undefined) return value;
          problems.push(this.at(node.range?.[0] ?? 0, `environment variable ${name} is not set (write \${${name}:-} to allow empty)`));
          return '';
        });
        // An unquoted ${N} stands for whatever it expands to: a number stays a number.
        node.value = node.type === 'PLAIN' ? parseScalar(replaced) : replaced;
      },
    });
    return problems;
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  /** Position of a value, or of its key when `key` is true (unknown-key errors point at the key). */
  locate(path: ConfigPath, key = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = 0;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        const last = i === path.length - 1;
        if (last && key && isScalar(pair.key)) {
          offset = pair.key.range?.[0] ?? offset;
          node = undefined;
          break;
        }
        offset = (pair.value as Node | null)?.range?.[0] ?? (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)] as Node | undefined;
        if (!item) break;
        offset = item.range?.[0] ?? offset;
        node = item;
      } else break;
    }
    if (path.length === 0) offset = (this.doc.contents as Node | null)?.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }

  at(offset: number, message: string): Diagnostic {
    const { line, col } = this.lines.linePos(offset);
    return { line, col, message };
  }

  diagnostic(path: ConfigPath, message: string, key = false): Diagnostic {
    return { ...this.locate(path, key), message };
  }
}

function parseScalar(text: string): unknown {
  try {
    const value: unknown = parseYaml(text);
    return value === null || typeof value === 'object' ? text : value;
  } catch {
    return text;
  }
}
