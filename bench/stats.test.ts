/**
 * Checks the benchmark's percentile helper against values computed by hand with the
 * nearest-rank definition, so reported p50/p99 figures can be trusted.
 */
import { describe, expect, it } from 'vitest';
import { percentileOfSorted, SampleBuffer, summarize } from './stats.ts';

describe('percentileOfSorted', () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('picks the nearest rank, never interpolating', () => {
    // rank = ceil(p/100 * 10): p50 -> 5th, p90 -> 9th, p99 -> 10th, p10 -> 1st, p11 -> 2nd.
    expect(percentileOfSorted(oneToTen, 50)).toBe(5);
    expect(percentileOfSorted(oneToTen, 90)).toBe(9);
    expect(percentileOfSorted(oneToTen, 99)).toBe(10);
    expect(percentileOfSorted(oneToTen, 10)).toBe(1);
    expect(percentileOfSorted(oneToTen, 11)).toBe(2);
  });

  it('returns the extremes at 0 and 100 and NaN for no samples', () => {
    expect(percentileOfSorted(oneToTen, 0)).toBe(1);
    expect(percentileOfSorted(oneToTen, 100)).toBe(10);
    expect(percentileOfSorted([], 50)).toBeNaN();
  });

  it('handles a single sample', () => {
    expect(percentileOfSorted([42], 1)).toBe(42);
    expect(percentileOfSorted([42], 99)).toBe(42);
  });
});

describe('summarize', () => {
  it('sorts numerically, not lexically, and reports every statistic', () => {
    // 1..100 shuffled, plus values that sort wrongly as strings.
    const samples = Array.from({ length: 100 }, (_, index) => ((index * 37) % 100) + 1);
    const summary = summarize(samples);
    expect(summary).toEqual({
      count: 100,
      min: 1,
      mean: 50.5,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
    });
    expect(summarize([10, 9, 100, 2]).p50).toBe(9);
  });

  it('computes p99 of 1,000 samples as the 990th smallest', () => {
    const samples = Array.from({ length: 1000 }, (_, index) => 1000 - index);
    const summary = summarize(samples);
    expect(summary.p99).toBe(990);
    expect(summary.p90).toBe(900);
    expect(summary.p50).toBe(500);
  });

  it('leaves the input untouched', () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('SampleBuffer', () => {
  it('grows past its initial capacity and keeps order', () => {
    const buffer = new SampleBuffer();
    for (let index = 0; index < 5000; index += 1) buffer.push(index);
    expect(buffer.length).toBe(5000);
    expect(buffer.values()[4999]).toBe(4999);
    expect(summarize(buffer.values()).p50).toBe(2499);
  });
});
