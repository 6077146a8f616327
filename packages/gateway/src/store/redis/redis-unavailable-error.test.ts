/**
 * Which driver errors are an outage: real ioredis errors, from a port nobody listens on
 * and from the shared Redis (127.0.0.1:6379, or SLUICE_TEST_REDIS_URL) answering an error.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, test } from 'vitest';
import {
  isRedisUnavailable,
  RedisUnavailableError,
  redisBackendError,
} from './redis-unavailable-error.ts';

const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('redisBackendError', () => {
  test('a Redis nobody answers for becomes a 503 with Retry-After, without the address', async () => {
    const away = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    away.on('error', () => {});
    await away.connect().catch(() => {});
    const raw = await away.get('x').catch((error: unknown) => error);
    away.disconnect();
    expect(isRedisUnavailable(raw)).toBe(true);
    const mapped = redisBackendError(raw, 'quotas');
    expect(RedisUnavailableError.isInstance(mapped)).toBe(true);
    expect(mapped).toMatchObject({
      code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
      status: 503,
      retryable: true,
      headers: { 'retry-after': '1' },
      message: 'Redis (quotas) is unavailable',
      cause: raw,
    });
    // Mapped once: an already mapped error passes as is.
    expect(redisBackendError(mapped, 'other')).toBe(mapped);
  });

  test('Redis answering an error is not an outage and passes unchanged', async () => {
    const redis = new Redis(url);
    const key = `sluice-test:${randomUUID()}:hash`;
    try {
      await redis.hset(key, 'a', 'b');
      const wrongType = await redis.get(key).catch((error: unknown) => error);
      expect(isRedisUnavailable(wrongType)).toBe(false);
      expect(redisBackendError(wrongType, 'quotas')).toBe(wrongType);
    } finally {
      await redis.del(key);
      await redis.quit();
    }
    const plain = new Error('something else');
    expect(redisBackendError(plain, 'quotas')).toBe(plain);
    expect(isRedisUnavailable(undefined)).toBe(false);
  });
});
