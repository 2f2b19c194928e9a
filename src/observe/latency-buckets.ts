// Log-spaced latency buckets for cheap percentile estimates: each bucket is 25% wider than the
// one before, so a p99 read from them is within 25% of the true value whatever the scale,
// and recording a sample is one logarithm and one array increment.

const FIRST_BOUND_MS = 0.25;
const GROWTH = 1.25;
const LOG_GROWTH = Math.log(GROWTH);

/** Buckets up to ~2 minutes; slower samples land in the last one. */
export const LATENCY_BUCKETS = 60;

export function latencyBucket(ms: number): number {
  if (!(ms > FIRST_BOUND_MS)) return 0;
  const index = Math.ceil(Math.log(ms / FIRST_BOUND_MS) / LOG_GROWTH);
  return index < LATENCY_BUCKETS ? index : LATENCY_BUCKETS - 1;
}

/** The upper bound (ms) of bucket `index`. */
export function bucketBound(index: number): number {
  return FIRST_BOUND_MS * GROWTH ** index;
}

/**
 * The `q` quantile (0..1) of the samples counted in `counts` (LATENCY_BUCKETS per histogram),
 * summed over the histograms starting at the given offsets; null when there are none.
 */
export function quantileOf(counts: Uint32Array, offsets: readonly number[], q: number): number | null {
  let total = 0;
  for (const offset of offsets) for (let i = 0; i < LATENCY_BUCKETS; i++) total += counts[offset + i]!;
  if (total === 0) return null;
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    for (const offset of offsets) seen += counts[offset + i]!;
    if (seen >= rank) return roundMs(bucketBound(i));
  }
  return roundMs(bucketBound(LATENCY_BUCKETS - 1));
}

function roundMs(ms: number): number {
  return ms < 10 ? Math.round(ms * 100) / 100 : Math.round(ms * 10) / 10;
}
