/**
 * Nearest-rank percentiles and summaries on fixed samples: exact values, no tolerance.
 */
import { describe, expect, test } from 'vitest';
import { nearestRankPercentile, SampleBuffer, summarize } from './statistics.ts';

describe('nearestRankPercentile', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, index) => index + 1);

  test('is the sample at rank ceil(p/100 x n)', () => {
    expect(nearestRankPercentile(oneToHundred, 50)).toBe(50);
    expect(nearestRankPercentile(oneToHundred, 90)).toBe(90);
    expect(nearestRankPercentile(oneToHundred, 99)).toBe(99);
    expect(nearestRankPercentile(oneToHundred, 100)).toBe(100);
    expect(nearestRankPercentile(oneToHundred, 0.5)).toBe(1);
  });

  test('rounds the rank up on small samples', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(nearestRankPercentile(sorted, 50)).toBe(50);
    expect(nearestRankPercentile(sorted, 51)).toBe(60);
    expect(nearestRankPercentile(sorted, 90)).toBe(90);
    expect(nearestRankPercentile(sorted, 99)).toBe(100);
    expect(nearestRankPercentile([7], 50)).toBe(7);
    expect(nearestRankPercentile([7], 0)).toBe(7);
  });

  test('is NaN without samples', () => {
    expect(nearestRankPercentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  test('sorts numerically and reports mean, p50, p90, p99 and max', () => {
    // Unsorted, with values that sort wrongly as strings (100 < 20 < 3).
    const summary = summarize([100, 3, 20, 7, 5, 1, 9, 2, 4, 8, 6]);
    expect(summary).toEqual({ count: 11, min: 1, mean: 15, p50: 6, p90: 20, p99: 100, max: 100 });
  });

  test('every percentile of one repeated value is that value', () => {
    expect(summarize([2.5, 2.5, 2.5])).toEqual({
      count: 3,
      min: 2.5,
      mean: 2.5,
      p50: 2.5,
      p90: 2.5,
      p99: 2.5,
      max: 2.5,
    });
  });

  test('an empty sample has a zero count and NaN figures', () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    for (const figure of [summary.mean, summary.p50, summary.p90, summary.p99, summary.max]) {
      expect(figure).toBeNaN();
    }
  });

  test('does not reorder the samples it was given', () => {
    const samples = [3, 1, 2];
    summarize(samples);
    expect(samples).toEqual([3, 1, 2]);
  });
});

describe('SampleBuffer', () => {
  test('keeps every pushed value in order as it grows', () => {
    const buffer = new SampleBuffer();
    for (let index = 0; index < 5000; index += 1) buffer.push(index / 2);
    expect(buffer.length).toBe(5000);
    expect(buffer.values()[0]).toBe(0);
    expect(buffer.values()[4999]).toBe(2499.5);
    expect(summarize(buffer.values()).p50).toBe(1249.5);
  });
});
