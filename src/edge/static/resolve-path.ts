// Maps safe path segments onto files that really live inside the root. The root's real path is
// taken once; every target is resolved with realpath(3) and must stay inside it, so a symlink that
// points outside the root reads as "not found" while one that points elsewhere inside is followed.
import { lstat, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export interface FoundEntry {
  /** Real (symlink-free) absolute path. */
  readonly path: string;
  readonly stats: Stats;
}

// Codes that all mean "nothing servable here" to a client; anything else is a server fault.
const ABSENT_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EACCES', 'EPERM', 'EINVAL']);

export function isAbsentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ABSENT_CODES.has(code);
}

export class RootedResolver {
  readonly #configuredRoot: string;
  #realRoot: Promise<string> | undefined;

  constructor(root: string) {
    this.#configuredRoot = resolve(root);
  }

  /** The entry at root/segments, or undefined when it is missing or escapes the root. */
  async locate(segments: readonly string[]): Promise<FoundEntry | undefined> {
    const root = await this.#root();
    const real = await realpathIfPresent(join(root, ...segments));
    if (real === undefined || !isInside(root, real)) return undefined;
    return { path: real, stats: await stat(real) };
  }

  /**
   * A regular file named `name` in `realDir` (a directory already known to be inside the root).
   * The common case, a plain file, costs one lstat; only a symlink is resolved and re-checked.
   */
  async probeFile(realDir: string, name: string): Promise<FoundEntry | undefined> {
    const path = join(realDir, name);
    let stats: Stats;
    try {
      stats = await lstat(path);
    } catch (error) {
      if (isAbsentError(error)) return undefined;
      throw error;
    }
    if (stats.isFile()) return { path, stats };
    if (!stats.isSymbolicLink()) return undefined;
    const root = await this.#root();
    const real = await realpathIfPresent(path);
    if (real === undefined || !isInside(root, real)) return undefined;
    const target = await stat(real);
    return target.isFile() ? { path: real, stats: target } : undefined;
  }

  #root(): Promise<string> {
    // A root that does not exist yet is looked up again on the next request rather than cached.
    this.#realRoot ??= realpath(this.#configuredRoot).catch((error: unknown) => {
      this.#realRoot = undefined;
      throw error;
    });
    return this.#realRoot;
  }
}

async function realpathIfPresent(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    if (isAbsentError(error)) return undefined;
    throw error;
  }
}

function isInside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  return candidate.startsWith(root.endsWith(sep) ? root : root + sep);
}
