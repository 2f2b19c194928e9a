// Choosing a precompressed sibling (FILE.br, FILE.gz) from Accept-Encoding (RFC 9110 section
// 12.5.3). Only codings the client rates q > 0 are candidates; higher q wins and a tie goes to
// brotli, the smaller of the two. No header at all means identity: that is what every client
// without the header can decode.

export interface Precompressed {
  /** Content-Encoding value. */
  readonly coding: 'br' | 'gzip';
  /** Suffix of the sibling file. */
  readonly suffix: '.br' | '.gz';
}

export const PRECOMPRESSED: readonly Precompressed[] = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
];

/** The precompressed codings the client accepts, best first. */
export function acceptedPrecompressed(acceptEncoding: string | undefined): readonly Precompressed[] {
  if (acceptEncoding === undefined || acceptEncoding.trim() === '') return [];
  const weights = parseAcceptEncoding(acceptEncoding);
  const wildcard = weights.get('*');
  const ranked: { readonly option: Precompressed; readonly q: number; readonly order: number }[] = [];
  PRECOMPRESSED.forEach((option, order) => {
    const explicit = option.coding === 'gzip' ? (weights.get('gzip') ?? weights.get('x-gzip')) : weights.get(option.coding);
    const q = explicit ?? wildcard ?? 0;
    if (q > 0) ranked.push({ option, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((entry) => entry.option);
}

function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const item of header.split(',')) {
    const [rawCoding, ...params] = item.split(';');
    const coding = rawCoding?.trim().toLowerCase();
    if (!coding) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() !== 'q') continue;
      const parsed = Number(value?.trim());
      q = Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 0;
    }
    // A coding listed twice keeps its most generous weight.
    weights.set(coding, Math.max(q, weights.get(coding) ?? 0));
  }
  return weights;
}
