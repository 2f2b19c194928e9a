// A parsed config document that can answer "where in the file is this value?".
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node, type YAMLError } from 'yaml';
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
    // ${VAR} references are masked first so `{ token: ${T:-} }` parses as written in a flow map.
    const doc = parseDocument(maskReferences(text), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const source = new ConfigSource(file, text, doc, lines);
    visit(doc, {
      Scalar: (_key, node) => {
        if (typeof node.value === 'string' && MASKED.test(node.value)) node.value = unmask(node.value);
      },
    });
    // One broken line makes YAML report several errors after it; the first is the one to fix.
    const duplicates = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY');
    const firstOther = [...doc.errors, ...doc.warnings].find((e) => e.code !== 'DUPLICATE_KEY');
    const diagnostics = [...duplicates, ...(firstOther ? [firstOther] : [])].map((e) => source.syntaxDiagnostic(e));
    return { source, diagnostics };
  }

  /** YAML's own messages, made to name the key or point at the quote the user has to fix. */
  private syntaxDiagnostic(error: YAMLError): Diagnostic {
    const offset = error.pos[0];
    if (error.code === 'DUPLICATE_KEY') {
      const key = keyTextAt(this.text, offset);
      return this.at(offset, key ? `duplicate key ${JSON.stringify(key)} (a key may appear once per map)` : 'duplicate key in this map');
    }
    if (error.code === 'MISSING_CHAR' && /quote/.test(error.message)) {
      const opening = openingQuoteBefore(this.text, offset, error.message.includes("'") ? "'" : '"');
      if (opening !== undefined) return this.at(opening, 'quoted string is never closed (missing closing quote)');
    }
    const hint = SYNTAX_HINTS[error.code];
    return this.at(offset, `${unmask(error.message.split("\n")[0]!)}${hint ? ` (${hint})` : ''}`);
  }

  /** Replaces ${VAR} and ${VAR:-default} in string scalars; unset variables without a default are errors. */
  interpolate(env: NodeJS.ProcessEnv): Diagnostic[] {
    const problems: Diagnostic[] = [];
    visit(this.doc, {
      Scalar: (_key, node) => {
        if (typeof node.value !== 'string' || !node.value.includes('${')) return;
        const start = node.range?.[0] ?? 0;
        const malformed = MALFORMED_REFERENCE.exec(node.value);
        if (malformed) {
          problems.push(this.at(start, `malformed variable reference ${JSON.stringify(malformed[0])} (write \${NAME} or \${NAME:-default})`));
          return;
        }
        const replaced = node.value.replace(REFERENCE, (_m, name: string, hasDefault, fallback: string) => {
          const value = env[name];
          if (value !== undefined && value !== '') return value;
          if (hasDefault !== undefined) return fallback ?? '';
          if (value !== undefined) return value;
          problems.push(this.at(start, `environment variable ${name} is not set (write \${${name}:-} to allow empty)`));
          return '';
        });
        // An unquoted ${N} stands for whatever it expands to: a number stays a number.
        node.value = node.type === 'PLAIN' ? plainValue(replaced) : replaced;
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

const SYNTAX_HINTS: Partial<Record<YAMLError['code'], string>> = {
  BAD_INDENT: 'check the indentation: the keys of one map start in the same column, indented with spaces',
  BLOCK_AS_IMPLICIT_KEY: 'check the indentation of this line and the one above: a nested key is indented deeper than a key that already has a value',
  MULTILINE_IMPLICIT_KEY: 'a key is missing its ":", or a line is indented differently from its neighbours',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  UNEXPECTED_TOKEN: 'inside { } or [ ], quote values that contain { } [ ] , or ": "',
  MISSING_CHAR: 'a { [ or quote is never closed',
};

/**
 * Characters that end a plain scalar in a flow collection, replaced inside `${...}` by
 * private-use characters of the same length, so positions stay exact and unmask() restores them.
 */
const FLOW_CHARS = '{}[],:#';
const MASK_BASE = 0xe000;
const MASKED = /[\ue000-\ue006]/;

function maskReferences(text: string): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{[^}\n]*\}/g, (reference) =>
    reference.replace(/[{}[\],:#]/g, (char) => String.fromCharCode(MASK_BASE + FLOW_CHARS.indexOf(char))),
  );
}

function unmask(value: string): string {
  return value.replace(/[\ue000-\ue006]/g, (char) => FLOW_CHARS[char.charCodeAt(0) - MASK_BASE]!);
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;
/** A `${` that does not start a well-formed reference (bad name, missing `}`). */
const MALFORMED_REFERENCE = /\$\{(?![A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\})[^}\s]*\}?/;

/**
 * What an unquoted scalar with this text would have been: numbers and booleans keep their
 * type, everything else stays text verbatim (a value holding `#` or `: ` is not re-parsed as YAML).
 */
function plainValue(text: string): unknown {
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

function keyTextAt(text: string, offset: number): string | undefined {
  const match = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^:#\n]*?))\s*:/.exec(text.slice(offset, offset + 500));
  if (!match) return undefined;
  return match[1] ?? match[2]?.replace(/''/g, "'") ?? match[3]?.trim();
}

/** The offset of the quote that opened a string YAML found unterminated at `end`. */
function openingQuoteBefore(text: string, end: number, quote: string): number | undefined {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] === quote && text[i - 1] !== '\\') {
      // The quote that opened the string follows a value indicator, a flow separator or the line start.
      if (i === 0 || /[\s:,[{-]/.test(text[i - 1]!)) return i;
    }
  }
  return undefined;
}
