// Config problems carry their place in the file so every tool can print FILE:LINE:COL.

export interface Diagnostic {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly code = 'WHARF_CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly diagnostics: readonly Diagnostic[],
  ) {
    super(diagnostics.map((d) => `${file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Edit distance counting a swap of two neighbouring letters as one edit (optimal string
 * alignment), so the common typo `weigth` is one edit from `weight`.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate a typo most likely meant, or undefined. The allowed distance grows with the
 * word (one edit per three letters, at least one) and must leave part of the word intact, so
 * a one-letter name is never "corrected" into an unrelated one-letter name.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  const allowed = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance > allowed || distance >= Math.min(word.length, candidate.length)) continue;
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
