/**
 * The in-memory rate limiter: the shared conformance suite, plus what only memory has to
 * prove, that its table stays bounded however many subjects pass through.
 */
import { describe, expect, test } from 'vitest';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { ManualClock } from './quota-clock.ts';
import { runRateLimiterConformance } from './rate-limiter-conformance.ts';

runRateLimiterConformance('memory', (clock) => new MemoryRateLimiter({ clock }));

describe('MemoryRateLimiter memory bound', () => {
  test('never holds more than maxSubjects, even when every subject is busy', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter({ clock, maxSubjects: 1_000 });
    for (let index = 0; index < 50_000; index += 1) {
      await limiter.tryAcquire(`subject-${index}`, 1, 10, 60_000);
      if (index % 5_000 === 0) expect(limiter.statistics().subjects).toBeLessThanOrEqual(1_000);
    }
    expect(limiter.statistics().subjects).toBeLessThanOrEqual(1_000);
    expect(limiter.statistics().forcedEvictions).toBeGreaterThan(0);
  });

  test('subjects whose budget is whole again are swept without forcing anyone out', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter({ clock, maxSubjects: 1_000 });
    for (let index = 0; index < 20_000; index += 1) {
      await limiter.tryAcquire(`subject-${index}`, 1, 100, 1_000);
      // Each subject is whole again 10 ms later; a steady trickle stays small.
      clock.advance(1);
    }
    expect(limiter.statistics().subjects).toBeLessThan(100);
    expect(limiter.statistics().forcedEvictions).toBe(0);
  });

  test('at capacity the least recently used subject goes, not a busy one', async () => {
    const clock = new ManualClock();
    const limiter = new MemoryRateLimiter({ clock, maxSubjects: 100 });
    await limiter.tryAcquire('busy', 5, 5, 60_000);
    for (let index = 0; index < 1_000; index += 1) {
      await limiter.tryAcquire(`other-${index}`, 1, 10, 60_000);
      // Touching the busy subject keeps it recently used.
      expect((await limiter.tryAcquire('busy', 1, 5, 60_000)).allowed).toBe(false);
    }
  });
});
