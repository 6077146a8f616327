/**
 * The behavioural suite every `ConcurrencyLimiter` must pass (memory and Redis): slots are
 * taken on every subject or on none, released exactly once however often `release()` is
 * called, kinds and scopes kept apart. Subjects carry a per-run id so stores shared between
 * runs (Redis) start empty.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ConcurrencyLimiter, ConcurrencySubject } from './concurrency-limiter.ts';

/** Renewed before each test: leases one test leaves held never meet another's subjects. */
let run = randomUUID();

function streams(scope: ConcurrencySubject['scope'], id: string, limit: number) {
  return { name: 'concurrent-streams', scope, id: `${run}:${id}`, limit } as const;
}

export function runConcurrencyLimiterConformance(
  name: string,
  create: () => Promise<ConcurrencyLimiter> | ConcurrencyLimiter,
): void {
  describe(`ConcurrencyLimiter conformance: ${name}`, () => {
    let limiter: ConcurrencyLimiter;
    beforeEach(async () => {
      run = randomUUID();
      limiter = await create();
    });
    afterEach(async () => {
      await limiter.dispose();
    });

    test('grants up to the limit, then refuses naming the limit and scope', async () => {
      const key = streams('key', 'k1', 2);
      expect((await limiter.acquire([key])).granted).toBe(true);
      expect((await limiter.acquire([key])).granted).toBe(true);
      const refused = await limiter.acquire([key]);
      expect(refused).toMatchObject({
        granted: false,
        decision: {
          allowed: false,
          name: 'concurrent-streams',
          scope: 'key',
          limit: 2,
          remaining: 0,
          retryAfterMs: 1_000,
          windowMs: undefined,
        },
      });
    });

    test('all or nothing: a full client address takes no slot from the key', async () => {
      const address = streams('client-ip', '192.0.2.1', 1);
      const held = await limiter.acquire([address]);
      expect(held.granted).toBe(true);
      const refused = await limiter.acquire([streams('key', 'k1', 5), address]);
      expect(refused).toMatchObject({ granted: false, decision: { scope: 'client-ip' } });
      expect(await limiter.inUse(streams('key', 'k1', 5))).toBe(0);
      // Another address is not held back by the full one.
      const other = await limiter.acquire([
        streams('key', 'k1', 5),
        streams('client-ip', '192.0.2.2', 1),
      ]);
      expect(other.granted).toBe(true);
      expect(await limiter.inUse(streams('key', 'k1', 5))).toBe(1);
    });

    test('release is idempotent: a double release never frees a slot someone else holds', async () => {
      const tenant = {
        name: 'concurrent-generations',
        scope: 'tenant',
        id: `${run}:acme`,
        limit: 2,
      } as const;
      const first = await limiter.acquire([tenant]);
      const second = await limiter.acquire([tenant]);
      if (!first.granted || !second.granted) throw new Error('expected both leases');
      first.release();
      first.release();
      first.release();
      expect(await limiter.inUse(tenant)).toBe(1);
      expect((await limiter.acquire([tenant])).granted).toBe(true);
      expect((await limiter.acquire([tenant])).granted).toBe(false);
    });

    test('kinds and scopes are separate counters even with equal ids', async () => {
      const tenantStreams = streams('tenant', 'same', 1);
      const keyStreams = streams('key', 'same', 1);
      const tenantGenerations = { ...tenantStreams, name: 'concurrent-generations' } as const;
      expect((await limiter.acquire([tenantStreams])).granted).toBe(true);
      expect((await limiter.acquire([keyStreams])).granted).toBe(true);
      expect((await limiter.acquire([tenantGenerations])).granted).toBe(true);
    });

    test('a subject named twice in one request takes one slot', async () => {
      const key = streams('key', 'k1', 1);
      const lease = await limiter.acquire([key, key]);
      expect(lease.granted).toBe(true);
      expect(await limiter.inUse(key)).toBe(1);
    });

    test('no subjects means nothing to limit', async () => {
      const lease = await limiter.acquire([]);
      expect(lease.granted).toBe(true);
    });

    test('refuses a limit that is not a positive whole number', async () => {
      await expect(limiter.acquire([streams('key', 'k1', 0)])).rejects.toThrow(RangeError);
    });
  });
}
