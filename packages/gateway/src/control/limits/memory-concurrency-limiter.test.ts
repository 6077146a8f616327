/**
 * The in-memory concurrency limiter: the shared conformance suite, plus what only memory has
 * to prove — counters exist only while a lease holds them.
 */
import { describe, expect, test } from 'vitest';
import type { ConcurrencySubject } from './concurrency-limiter.ts';
import { runConcurrencyLimiterConformance } from './concurrency-limiter-conformance.ts';
import { MemoryConcurrencyLimiter } from './memory-concurrency-limiter.ts';

runConcurrencyLimiterConformance('memory', () => new MemoryConcurrencyLimiter());

function streams(scope: ConcurrencySubject['scope'], id: string, limit: number) {
  return { name: 'concurrent-streams', scope, id, limit } as const;
}

describe('MemoryConcurrencyLimiter', () => {
  test('counters exist only while leased, however many subjects come and go', async () => {
    const limiter = new MemoryConcurrencyLimiter();
    for (let index = 0; index < 10_000; index += 1) {
      const lease = await limiter.acquire([
        streams('client-ip', `198.51.100.${index}`, 3),
        streams('key', `k${index}`, 3),
      ]);
      if (!lease.granted) throw new Error('expected a lease');
      lease.release();
    }
    expect(limiter.size).toBe(0);
  });
});
