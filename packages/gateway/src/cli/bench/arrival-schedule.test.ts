/**
 * Arrival schedules: constant spacing is exact, Poisson is replayable from its seed and
 * has exponential gaps with the asked-for mean rate.
 */
import { describe, expect, test } from 'vitest';
import { firstArrivals } from './arrival-schedule.ts';

describe('arrival schedule', () => {
  test('without a rate every request is due at once', () => {
    expect(firstArrivals({ rate: undefined, arrival: 'poisson', seed: 1 }, 4)).toEqual([
      0, 0, 0, 0,
    ]);
  });

  test('constant arrival spaces requests exactly 1/rate apart', () => {
    expect(firstArrivals({ rate: 4, arrival: 'constant', seed: 1 }, 5)).toEqual([
      0, 250, 500, 750, 1000,
    ]);
    const many = firstArrivals({ rate: 3, arrival: 'constant', seed: 1 }, 3001);
    expect(many[3000]).toBe(1_000_000);
  });

  test('the same seed gives the same Poisson schedule, another seed a different one', () => {
    const options = { rate: 10, arrival: 'poisson' as const, seed: 42 };
    const first = firstArrivals(options, 200);
    expect(firstArrivals(options, 200)).toEqual(first);
    expect(firstArrivals({ ...options, seed: 43 }, 200)).not.toEqual(first);
    expect(first[0]).toBe(0);
    for (let index = 1; index < first.length; index += 1) {
      expect(first[index] as number).toBeGreaterThanOrEqual(first[index - 1] as number);
    }
  });

  test('Poisson gaps are exponential with mean 1/rate', () => {
    const rate = 20;
    const count = 20_000;
    const times = firstArrivals({ rate, arrival: 'poisson', seed: 7 }, count + 1);
    const gaps = times.slice(1).map((time, index) => time - (times[index] as number));
    const mean = gaps.reduce((total, gap) => total + gap, 0) / count;
    // The standard error of the mean over 20,000 exponential gaps is 0.7% of the mean.
    expect(mean).toBeGreaterThan(50 * 0.97);
    expect(mean).toBeLessThan(50 * 1.03);
    // For an exponential distribution, P(gap > mean) = 1/e ≈ 0.368; constant gives 0 or 1.
    const longer = gaps.filter((gap) => gap > 50).length / count;
    expect(longer).toBeGreaterThan(0.35);
    expect(longer).toBeLessThan(0.385);
  });
});
