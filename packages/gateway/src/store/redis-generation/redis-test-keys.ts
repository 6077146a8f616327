/**
 * For tests against the shared Redis on 127.0.0.1:6379: a key prefix unique to one test
 * file run, and the removal of exactly the keys under it (never a flush — other test runs
 * use the same server).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function testKeyPrefix(): string {
  return `sluice-test:${randomBytes(6).toString('hex')}:`;
}

export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
