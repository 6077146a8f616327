/**
 * Exact summary statistics for `sluice bench`. Percentiles use the nearest-rank method on
 * fully sorted samples (no interpolation, no histogram buckets), so every reported figure
 * is a value that was actually observed and can be checked by hand against `--json`.
 */

export interface Distribution {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export const PERCENTILES = [50, 90, 99] as const;

/**
 * The nearest-rank percentile of samples sorted ascending: the value at rank
 * ceil(percent / 100 × count), i.e. the smallest sample such that at least `percent`% of
 * the samples are less than or equal to it. NaN when there are no samples.
 */
export function nearestRankPercentile(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((percent / 100) * sorted.length);
  const index = Math.min(Math.max(rank, 1), sorted.length) - 1;
  return sorted[index] as number;
}

/** Sorts a copy numerically and summarises it; an empty sample gives NaN figures. */
export function summarize(samples: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const value of sorted) total += value;
  const count = sorted.length;
  return {
    count,
    min: count === 0 ? Number.NaN : (sorted[0] as number),
    mean: count === 0 ? Number.NaN : total / count,
    p50: nearestRankPercentile(sorted, 50),
    p90: nearestRankPercentile(sorted, 90),
    p99: nearestRankPercentile(sorted, 99),
    max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
  };
}

/**
 * An append-only list of samples in a growing typed array: a long run records millions
 * of inter-token gaps, which stay 8 bytes each instead of boxed numbers.
 */
export class SampleBuffer {
  #values = new Float64Array(1024);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length] = value;
    this.#length += 1;
  }

  /** A view of the recorded samples (not a copy). */
  values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }
}
