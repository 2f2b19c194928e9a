// nginx.conf text -> a tree of directives, each remembering its file and line.
// The grammar is nginx's: words separated by blanks, `;` ends a directive, `{ }` hold a block,
// `#` starts a comment where a word could start, quotes group and allow \-escapes.
import { ImportError } from '../import-result.js';

export interface NginxDirective {
  readonly name: string;
  readonly args: readonly string[];
  /** The file as shown to the user (relative to the main config's directory). */
  readonly file: string;
  readonly line: number;
  /** Present for block directives (`http { ... }`), even when empty. */
  readonly block?: readonly NginxDirective[];
}

export interface NginxToken {
  readonly kind: 'word' | ';' | '{' | '}';
  readonly text: string;
  readonly line: number;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

/** nginx turns these escapes into their character and keeps any other `\x` (regexes rely on it). */
function unescape(next: string): string {
  return ESCAPES[next] ?? `\\${next}`;
}

export function tokenizeNginx(text: string, file: string): NginxToken[] {
  const tokens: NginxToken[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === ';' || c === '{' || c === '}') {
      tokens.push({ kind: c, text: c, line });
      i++;
    } else if (c === '"' || c === "'") {
      const start = line;
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          value += unescape(text[i + 1]!);
          i += 2;
          continue;
        }
        if (text[i] === '\n') line++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}:${start}: unterminated quoted string`);
      i++;
      tokens.push({ kind: 'word', text: value, line: start });
    } else {
      let value = '';
      while (i < text.length && !/[\s;{}]/.test(text[i]!)) {
        // `${name}` is a variable inside a word, not a block.
        if (text[i] === '$' && text[i + 1] === '{') {
          const close = text.indexOf('}', i);
          if (close < 0) break;
          value += text.slice(i, close + 1);
          i = close + 1;
          continue;
        }
        if (text[i] === '\\' && i + 1 < text.length) {
          value += unescape(text[i + 1]!);
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'word', text: value, line });
    }
  }
  return tokens;
}

export function parseNginx(text: string, file: string): NginxDirective[] {
  const tokens = tokenizeNginx(text, file);
  let position = 0;

  const parseBlock = (closing: boolean): NginxDirective[] => {
    const directives: NginxDirective[] = [];
    for (;;) {
      const token = tokens[position];
      if (!token) {
        if (closing) throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}: unexpected end of file, expecting "}"`);
        return directives;
      }
      if (token.kind === '}') {
        if (!closing) throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}:${token.line}: unexpected "}"`);
        position++;
        return directives;
      }
      if (token.kind !== 'word') throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}:${token.line}: unexpected "${token.text}"`);
      position++;
      const args: string[] = [];
      for (;;) {
        const next = tokens[position];
        if (!next) throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}:${token.line}: directive "${token.text}" is not terminated by ";"`);
        position++;
        if (next.kind === 'word') args.push(next.text);
        else if (next.kind === ';') {
          directives.push({ name: token.text, args, file, line: token.line });
          break;
        } else if (next.kind === '{') {
          directives.push({ name: token.text, args, file, line: token.line, block: parseBlock(true) });
          break;
        } else throw new ImportError('WHARF_IMPORT_SYNTAX', `${file}:${next.line}: unexpected "}"`);
      }
    }
  };

  return parseBlock(false);
}

/** The directive as it would be written, for notes: `name args;` or `name args { … }`. */
export function directiveText(directive: NginxDirective): string {
  const words = [directive.name, ...directive.args.map(quoteIfNeeded)].join(' ');
  if (!directive.block) return `${words};`;
  const count = directive.block.length;
  return `${words} { ${count === 0 ? '' : `… ${count} directive${count === 1 ? '' : 's'} `}}`;
}

export function placeOf(directive: NginxDirective): string {
  return `${directive.file}:${directive.line}`;
}

function quoteIfNeeded(word: string): string {
  return word === '' || /[\s;{}#"']/.test(word) ? JSON.stringify(word) : word;
}
