import { describe, expect, test } from 'vitest';
import { RETAINED_OVERHEAD_BYTES, RetainedGenerations } from './retained-generations.ts';

describe('RetainedGenerations', () => {
  test('evicts the oldest finished generations once the budget is spent, newest kept', () => {
    const retained = new RetainedGenerations(300);
    expect(retained.finished('a', 100)).toEqual([]);
    expect(retained.finished('b', 100)).toEqual([]);
    expect(retained.finished('c', 100)).toEqual([]);
    expect(retained.finished('d', 150)).toEqual(['a', 'b']);
    expect(retained.bytes).toBe(250);
    expect(retained.count).toBe(2);
  });

  test('never evicts the generation that just finished, even when it alone is over budget', () => {
    const retained = new RetainedGenerations(100);
    expect(retained.finished('small', 50)).toEqual([]);
    expect(retained.finished('huge', 1_000)).toEqual(['small']);
    expect(retained.count).toBe(1);
    expect(retained.finished('next', 10)).toEqual(['huge']);
  });

  test('a forgotten generation no longer counts', () => {
    const retained = new RetainedGenerations(250);
    retained.finished('a', 100);
    retained.finished('b', 100);
    retained.forget('a');
    expect(retained.bytes).toBe(100);
    expect(retained.finished('c', 100)).toEqual([]);
  });

  test('stays bounded over many generations', () => {
    const retained = new RetainedGenerations(10_000);
    let evicted = 0;
    for (let index = 0; index < 100_000; index += 1) {
      evicted += retained.finished(`g${index}`, 100).length;
    }
    expect(retained.count).toBe(100);
    expect(evicted).toBe(100_000 - 100);
  });

  test('estimates a log twice (log and record) plus a fixed overhead', () => {
    expect(RetainedGenerations.estimate(1_000)).toBe(2_000 + RETAINED_OVERHEAD_BYTES);
  });
});
