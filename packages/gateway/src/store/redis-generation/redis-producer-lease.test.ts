import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { generationKeys } from './generation-keys.ts';
import { LuaScript } from './lua-script.ts';
import { describeProducerLeaseConformance } from './producer-lease-conformance.ts';
import { isFencedError, leaseFenceLua, RedisProducerLeases } from './redis-producer-lease.ts';
import { deleteKeys, TEST_REDIS_URL, testKeyPrefix } from './redis-test-keys.ts';

const keyPrefix = testKeyPrefix();
afterAll(() => deleteKeys(keyPrefix));

function openLeases() {
  return RedisProducerLeases.open({ url: TEST_REDIS_URL, keyPrefix });
}

describeProducerLeaseConformance('redis', openLeases, (ms) => sleep(ms));

describe('RedisProducerLeases', () => {
  test('two instances (two nodes) never both hold a lease', async () => {
    const [first, second] = await Promise.all([openLeases(), openLeases()]);
    try {
      const id = 'gen_two_nodes';
      const results = await Promise.all([
        first.acquire(id, 'node-a', 30_000),
        second.acquire(id, 'node-b', 30_000),
      ]);
      expect(results.filter((lease) => lease !== undefined)).toHaveLength(1);
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  });

  test('a script fenced by the lease writes only under the current epoch', async () => {
    const leases = await openLeases();
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const id = 'gen_fenced_append';
      const keys = generationKeys(keyPrefix);
      const log = `${keyPrefix}fenced-log`;
      const append = new LuaScript(`${leaseFenceLua(2, 1)}
return redis.call('RPUSH', KEYS[1], ARGV[2])`);
      const stale = await leases.acquire(id, 'node-a', 30_000);
      if (stale === undefined) throw new Error('no lease');
      expect(await append.run(redis, [log, keys.lease(id)], [String(stale.epoch), 'one'])).toBe(1);
      // The lease moves on (as after an expiry): the old producer's append is refused.
      await redis.del(keys.lease(id));
      const current = await leases.acquire(id, 'node-b', 30_000);
      if (current === undefined) throw new Error('no lease');
      const refused = await append
        .run(redis, [log, keys.lease(id)], [String(stale.epoch), 'two'])
        .catch((error: unknown) => error);
      expect(isFencedError(refused)).toBe(true);
      expect(await append.run(redis, [log, keys.lease(id)], [String(current.epoch), 'three'])).toBe(
        2,
      );
      expect(await redis.lrange(log, 0, -1)).toEqual(['one', 'three']);
    } finally {
      await Promise.all([leases.dispose(), redis.quit()]);
    }
  });
});

test('an unreachable Redis is named, without the password of its URL', async () => {
  const failure = await RedisProducerLeases.open({
    url: 'redis://:hunter2@127.0.0.1:1',
    redis: { retryStrategy: () => null },
  }).catch((error: unknown) => error as Error);
  expect(failure).toMatchObject({ code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' });
  expect(String((failure as Error).message)).toContain('Redis (producer leases) at 127.0.0.1:1');
  expect(String((failure as Error).message)).not.toContain('hunter2');
});
