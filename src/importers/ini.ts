// The INI dialect supervisord reads (Python's configparser): `[section]`, `key = value` or
// `key: value`, `;`/`#` comment lines, ` ;` inline comments, indented continuation lines.

export interface IniEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: IniEntry[];
}

export function parseIni(text: string): { sections: IniSection[]; stray: IniEntry[] } {
  const sections: IniSection[] = [];
  const stray: IniEntry[] = [];
  let current: IniSection | undefined;
  let last: { entry: IniEntry; list: IniEntry[]; index: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*([;#].*)?$/.test(raw)) return;
    if (/^\s/.test(raw) && last) {
      // Continuation: joined with a newline, as configparser does.
      const joined = { ...last.entry, value: `${last.entry.value}\n${stripInlineComment(raw.trim())}` };
      last.list[last.index] = joined;
      last.entry = joined;
      return;
    }
    const header = /^\s*\[([^\]]+)\]\s*([;#].*)?$/.exec(raw);
    if (header) {
      current = { name: header[1]!.trim(), line, entries: [] };
      sections.push(current);
      last = undefined;
      return;
    }
    const pair = /^\s*([^=:\s][^=:]*?)\s*[=:]\s?(.*)$/.exec(raw);
    const list = current ? current.entries : stray;
    const entry = pair ? { key: pair[1]!.trim().toLowerCase(), value: stripInlineComment(pair[2]!.trim()), line } : { key: raw.trim(), value: '', line };
    list.push(entry);
    last = { entry, list, index: list.length - 1 };
  });
  return { sections, stray };
}

/** supervisord treats ` ;` (a semicolon after whitespace) as the start of a comment. */
function stripInlineComment(value: string): string {
  const match = /\s;/.exec(value);
  return match ? value.slice(0, match.index).trimEnd() : value;
}
