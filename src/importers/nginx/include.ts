// Reads an nginx config and splices in what its `include` directives name, as nginx does:
// relative paths are taken from the main config's directory, globs expand in sorted order,
// and the included directives appear where the include stood.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseNginx, type NginxDirective } from './parse.js';

/** An include that could not be followed; the translator reports it as untranslated. */
export interface IncludeProblem {
  readonly directive: NginxDirective;
  readonly why: string;
}

export interface LoadedNginxConfig {
  readonly directives: NginxDirective[];
  readonly problems: IncludeProblem[];
  /** Every file read, as shown in notes. */
  readonly files: string[];
}

const MAX_DEPTH = 16;

export function loadNginxConfig(path: string): LoadedNginxConfig {
  const main = resolve(path);
  const baseDir = dirname(main);
  const problems: IncludeProblem[] = [];
  const files: string[] = [];
  const shown = (file: string) => relative(baseDir, file) || file;

  const readFile = (file: string): NginxDirective[] => {
    files.push(shown(file));
    return parseNginx(readFileSync(file, 'utf8'), shown(file));
  };

  const expand = (directives: readonly NginxDirective[], depth: number, chain: readonly string[]): NginxDirective[] => {
    const out: NginxDirective[] = [];
    for (const directive of directives) {
      if (directive.name !== 'include' || directive.block) {
        out.push(directive.block ? { ...directive, block: expand(directive.block, depth, chain) } : directive);
        continue;
      }
      const pattern = directive.args[0];
      if (directive.args.length !== 1 || !pattern) {
        problems.push({ directive, why: 'include takes exactly one file or pattern' });
        continue;
      }
      const target = isAbsolute(pattern) ? pattern : join(baseDir, pattern);
      const matches = hasGlob(pattern) ? expandGlob(target) : [target];
      if (matches.length === 0) {
        problems.push({ directive, why: `no file matches ${pattern}` });
        continue;
      }
      for (const file of matches) {
        if (!isFile(file)) {
          problems.push({ directive, why: `${shown(file)} does not exist, so its directives are not imported` });
        } else if (chain.includes(file) || depth >= MAX_DEPTH) {
          problems.push({ directive, why: `include loop through ${shown(file)}` });
        } else {
          out.push(...expand(readFile(file), depth + 1, [...chain, file]));
        }
      }
    }
    return out;
  };

  const directives = expand(readFile(main), 0, [main]);
  return { directives, problems, files };
}

function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** Expands `*`, `?` and `[...]` in any path segment; results sorted like nginx's glob(). */
function expandGlob(pattern: string): string[] {
  const absolute = resolve(pattern);
  const segments = absolute.split(sep).filter((s, i) => s !== '' || i === 0);
  let paths = [segments[0] === '' ? sep : segments[0]!];
  for (const segment of segments.slice(1)) {
    const next: string[] = [];
    for (const base of paths) {
      if (!hasGlob(segment)) {
        next.push(join(base, segment));
        continue;
      }
      const matcher = globToRegExp(segment);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const name of names.sort()) if (!name.startsWith('.') && matcher.test(name)) next.push(join(base, name));
    }
    paths = next;
  }
  return paths.filter(isFile);
}

function globToRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 1);
      if (close < 0) source += '\\[';
      else {
        source += `[${segment.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
