/**
 * The Redis concurrency limiter against a real Redis on 127.0.0.1:6379: the shared
 * conformance suite, slots counted across two gateway processes, and a crashed holder's
 * slots coming back once its leases lapse (a manual clock: nothing sleeps).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../../quotas/quota-clock.ts';
import { runConcurrencyLimiterConformance } from '../concurrency-limiter-conformance.ts';
import { RedisConcurrencyLimiter } from './redis-concurrency-limiter.ts';

const prefix = `sluice-test:${randomUUID()}:concurrency:`;
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

runConcurrencyLimiterConformance(
  'redis',
  () => new RedisConcurrencyLimiter({ redis, keyPrefix: prefix }),
);

const tenant = (limit: number) =>
  ({ name: 'concurrent-generations', scope: 'tenant', id: `t-${randomUUID()}`, limit }) as const;

describe('RedisConcurrencyLimiter across processes', () => {
  test('two limiters on one Redis share the slots', async () => {
    const other = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const first = new RedisConcurrencyLimiter({ redis, keyPrefix: prefix });
    const second = new RedisConcurrencyLimiter({ redis: other, keyPrefix: prefix });
    try {
      const subject = tenant(2);
      const a = await first.acquire([subject]);
      const b = await second.acquire([subject]);
      expect([a.granted, b.granted]).toEqual([true, true]);
      expect((await first.acquire([subject])).granted).toBe(false);
      if (b.granted) b.release();
      // `a` still holds its slot; `b`'s is free again, for either process.
      expect(await second.inUse(subject)).toBe(1);
      expect((await first.acquire([subject])).granted).toBe(true);
    } finally {
      await first.dispose();
      await second.dispose();
      await other.quit();
    }
  });

  test("a crashed holder's slots come back once its leases lapse; a live holder keeps them", async () => {
    const clock = new ManualClock(Date.now());
    const subject = tenant(1);
    const options = { redis, keyPrefix: prefix, leaseTtlMs: 300, renewEveryMs: 60_000, clock };
    const crashed = new RedisConcurrencyLimiter(options);
    const alive = new RedisConcurrencyLimiter(options);
    try {
      expect((await crashed.acquire([subject])).granted).toBe(true);
      await crashed.dispose(); // stops renewing, as a killed process would
      expect((await alive.acquire([subject])).granted).toBe(false);
      clock.advance(301);
      const taken = await alive.acquire([subject]);
      expect(taken.granted).toBe(true);
      // Renewed while held: long past one lease time it is still counted.
      for (let round = 0; round < 4; round += 1) {
        clock.advance(200);
        await alive.renewHeld();
      }
      expect(await alive.inUse(subject)).toBe(1);
      if (taken.granted) taken.release();
      expect(await alive.inUse(subject)).toBe(0);
    } finally {
      await alive.dispose();
    }
  });
});
