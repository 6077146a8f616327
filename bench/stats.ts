/**
 * Exact order statistics for benchmark samples. Percentiles use the nearest-rank method
 * on fully sorted samples (no histograms, no interpolation), so every reported figure is
 * a value that was actually observed and can be checked by hand.
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

/**
 * The nearest-rank percentile of samples already sorted ascending: the smallest value
 * such that at least `percent`% of the samples are less than or equal to it.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number {
  if (sorted.length === 0) return Number.NaN;
  if (percent <= 0) return sorted[0] as number;
  if (percent >= 100) return sorted[sorted.length - 1] as number;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1] as number;
}

/** Sorts a copy (typed arrays sort numerically) and summarises it. */
export function summarize(samples: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const value of sorted) total += value;
  const count = sorted.length;
  return {
    count,
    min: count === 0 ? Number.NaN : (sorted[0] as number),
    mean: count === 0 ? Number.NaN : total / count,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    max: count === 0 ? Number.NaN : (sorted[count - 1] as number),
  };
}

/**
 * An append-only list of float samples in a growing typed array: millions of
 * inter-token gaps stay compact (8 bytes each) instead of boxed numbers in an Array.
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
