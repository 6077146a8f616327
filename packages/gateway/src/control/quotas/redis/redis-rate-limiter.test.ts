/**
 * The Redis rate limiter against a real Redis on 127.0.0.1:6379: the shared conformance
 * suite, and what only a shared store shows — two limiters (two gateway processes) spend
 * one budget.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../quota-clock.ts';
import { runRateLimiterConformance } from '../rate-limiter-conformance.ts';
import { RedisRateLimiter } from './redis-rate-limiter.ts';

const prefix = `sluice-test:${randomUUID()}:rate:`;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false, maxRetriesPerRequest: 1 });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

runRateLimiterConformance(
  'redis',
  (clock) => new RedisRateLimiter({ redis, keyPrefix: prefix, clock }),
);

describe('RedisRateLimiter across processes', () => {
  test('two limiters on one Redis spend one budget', async () => {
    const clock = new ManualClock(5_000_000);
    const other = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      const first = new RedisRateLimiter({ redis, keyPrefix: prefix, clock });
      const second = new RedisRateLimiter({ redis: other, keyPrefix: prefix, clock });
      const subject = `shared:${randomUUID()}`;
      const decisions = [];
      for (let index = 0; index < 6; index += 1) {
        const limiter = index % 2 === 0 ? first : second;
        decisions.push(await limiter.tryAcquire(subject, 1, 4, 60_000));
      }
      expect(decisions.map((decision) => decision.allowed)).toEqual([
        true,
        true,
        true,
        true,
        false,
        false,
      ]);
      // Refill is continuous: a quarter window later one unit is back, for either node.
      clock.advance(15_000);
      expect((await second.tryAcquire(subject, 1, 4, 60_000)).allowed).toBe(true);
      expect((await first.tryAcquire(subject, 1, 4, 60_000)).allowed).toBe(false);
    } finally {
      await other.quit();
    }
  });

  test('a full bucket leaves no key behind', async () => {
    const clock = new ManualClock(9_000_000);
    const limiter = new RedisRateLimiter({ redis, keyPrefix: prefix, clock });
    const subject = `idle:${randomUUID()}`;
    await limiter.tryAcquire(subject, 1, 10, 1_000);
    const ttl = await redis.pttl(`${prefix}${subject}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(101);
  });
});
