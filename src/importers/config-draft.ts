// The wharf config an importer is building, plus the notes that become YAML comments.
// Importers fill `config` with plain values; render() turns it into commented YAML.
import { Document, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { ImportResult } from './import-result.js';

export type DraftPath = readonly (string | number)[];

/** Top-level keys in the order a reader expects them. */
const KEY_ORDER = ['listen', 'control', 'access_log', 'access_log_format', 'trusted_proxies', 'timeouts', 'limits', 'upstreams', 'apps', 'routes'];

interface Note {
  readonly path?: DraftPath;
  readonly text: string;
}

export class ConfigDraft {
  readonly config: Record<string, unknown> = {};
  private readonly notes: Note[] = [];
  private readonly untranslatedSeen = new Set<string>();
  readonly untranslated: string[] = [];

  /**
   * Records a source setting that has no wharf equivalent. `where` is "FILE:LINE"; the note
   * is attached before the YAML at `path` when given (and present), else at the end.
   */
  untranslatedSetting(where: string, setting: string, why?: string, path?: DraftPath): void {
    const entry = oneLine(`${where}: ${setting}${why ? ` — ${why}` : ''}`);
    if (this.untranslatedSeen.has(entry)) return;
    this.untranslatedSeen.add(entry);
    this.untranslated.push(entry);
    this.notes.push({ path, text: `untranslated: ${entry}` });
  }

  /** A remark for the reader (an approximation, a choice made) that is not an untranslated setting. */
  comment(path: DraftPath | undefined, text: string): void {
    this.notes.push({ path, text: oneLine(text) });
  }

  /** `section[name]`, created as an empty map on first use. */
  section(name: string): Record<string, unknown> {
    const existing = this.config[name];
    if (existing && typeof existing === 'object' && !Array.isArray(existing)) return existing as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    this.config[name] = created;
    return created;
  }

  list(name: string): unknown[] {
    const existing = this.config[name];
    if (Array.isArray(existing)) return existing;
    const created: unknown[] = [];
    this.config[name] = created;
    return created;
  }

  /**
   * The YAML text. `fileOrder` lists the source files (main first) so notes read in source
   * order: by file, then by line.
   */
  render(header: readonly string[], fileOrder: readonly string[] = []): ImportResult {
    const bySource = sourceOrder(fileOrder);
    const ordered: Record<string, unknown> = {};
    for (const key of [...KEY_ORDER, ...Object.keys(this.config)]) {
      const value = this.config[key];
      if (key in ordered || value === undefined) continue;
      if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) continue;
      ordered[key] = value;
    }
    const doc = new Document(ordered);
    const trailing: string[] = [];
    const before = new Map<Node, string[]>();
    for (const note of [...this.notes].sort((a, b) => bySource(a.text, b.text))) {
      const node = note.path ? nodeAt(doc, note.path) : undefined;
      if (!node) trailing.push(note.text);
      else before.set(node, [...(before.get(node) ?? []), note.text]);
    }
    for (const [node, texts] of before) node.commentBefore = texts.map((t) => ` ${t}`).join('\n');
    doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
    if (trailing.length) doc.comment = trailing.map((t) => ` ${t}`).join('\n');
    return { yaml: doc.toString({ lineWidth: 0 }), untranslated: [...this.untranslated].sort(bySource) };
  }
}

/** The node a comment for `path` belongs before: a map entry's key, or a list item. */
function nodeAt(doc: Document, path: DraftPath): Node | undefined {
  let node: unknown = doc.contents;
  let target: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair || !isScalar(pair.key)) return undefined;
      target = pair.key;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (!item || typeof item !== 'object') return undefined;
      target = item as Node;
      node = item;
    } else return undefined;
  }
  return target;
}

/** Compares notes by the "FILE:LINE" they start with (after an optional "untranslated: "). */
function sourceOrder(files: readonly string[]): (a: string, b: string) => number {
  const place = (text: string): [number, number] => {
    const match = /^(?:untranslated: )?(.+?):(\d+):/.exec(text);
    if (!match) return [files.length, 0];
    const index = files.indexOf(match[1]!);
    return [index < 0 ? files.length : index, Number(match[2])];
  };
  return (a, b) => {
    const [fileA, lineA] = place(a);
    const [fileB, lineB] = place(b);
    return fileA - fileB || lineA - lineB;
  };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
