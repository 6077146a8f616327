import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import type { GenerationStoreEvent } from '../generation-store.ts';
import {
  describeGenerationStoreConformance,
  sampleRecord,
} from '../generation-store-conformance.ts';
import { generationKeys } from './generation-keys.ts';
import { RedisGenerationStore } from './redis-generation-store.ts';
import { deleteKeys, TEST_REDIS_URL, testKeyPrefix } from './redis-test-keys.ts';

const keyPrefix = testKeyPrefix();
afterAll(() => deleteKeys(keyPrefix));

function openStore(options: { ttlSeconds?: number } = {}) {
  return RedisGenerationStore.open({ url: TEST_REDIS_URL, keyPrefix, ...options });
}

describeGenerationStoreConformance('redis', () => openStore());

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('RedisGenerationStore across instances', () => {
  test('an update and a control message on one instance reach a subscriber of another', async () => {
    const [first, second] = await Promise.all([openStore(), openStore()]);
    try {
      const seen: GenerationStoreEvent[] = [];
      second.subscribe((event) => seen.push(event));
      const record = sampleRecord();
      await first.create(record);
      expect(await second.get(record.id)).toEqual(record);
      await first.control(record.id, { type: 'reader', change: 1 });
      await first.update(record.id, { status: 'finished', text: 'done' }, { ifStatus: 'running' });
      // Its own events reach an instance at once, so wait for the remote ones first.
      await waitUntil(() => seen.length === 2);
      await second.control(record.id, { type: 'stop', cause: 'cancelled' });
      expect(seen).toHaveLength(3);
      expect(seen).toEqual([
        { type: 'control', id: record.id, control: { type: 'reader', change: 1 } },
        { type: 'updated', record: { ...record, status: 'finished', text: 'done' } },
        { type: 'control', id: record.id, control: { type: 'stop', cause: 'cancelled' } },
      ]);
      // The loser of a compare-and-set on the other instance changes nothing.
      expect(await second.update(record.id, { status: 'failed' }, { ifStatus: 'running' })).toBe(
        undefined,
      );
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  });

  test('a record and its index entries expire with the TTL', async () => {
    const store = await openStore({ ttlSeconds: 60 });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const record = sampleRecord({ sessionId: 'ttl-session' });
      await store.create(record);
      const keys = generationKeys(keyPrefix);
      const recordTtl = await redis.pttl(keys.record(record.id));
      const indexTtl = await redis.pttl(keys.session('ttl-session'));
      expect(recordTtl).toBeGreaterThan(55_000);
      expect(recordTtl).toBeLessThanOrEqual(60_000);
      expect(indexTtl).toBeGreaterThan(55_000);
      // A record gone before its index entry is left out of the list, and pruned.
      await redis.del(keys.record(record.id));
      expect(await store.list({ sessionId: 'ttl-session' })).toEqual([]);
      expect(await redis.zcard(keys.session('ttl-session'))).toBe(0);
    } finally {
      await Promise.all([store.dispose(), redis.quit()]);
    }
  });

  test('foreign data under a record key is a clear error, and foreign messages are skipped', async () => {
    const store = await openStore();
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const keys = generationKeys(keyPrefix);
      await redis.hset(keys.record('gen_foreign'), 'id', 'not json');
      await expect(store.get('gen_foreign')).rejects.toMatchObject({
        code: 'SLUICE_ERR_STORE_DATA_INVALID',
      });
      await redis.hset(keys.record('gen_partial'), 'id', '"gen_partial"');
      await expect(store.get('gen_partial')).rejects.toMatchObject({
        code: 'SLUICE_ERR_STORE_DATA_INVALID',
      });
      const seen: GenerationStoreEvent[] = [];
      store.subscribe(() => {
        throw new Error('a failing listener does not stop the others');
      });
      store.subscribe((event) => seen.push(event));
      await redis.publish(keys.events, 'garbage');
      await redis.publish(keys.events, JSON.stringify({ origin: 'x', event: { type: 'other' } }));
      await redis.publish(
        keys.events,
        JSON.stringify({
          origin: 'x',
          event: { type: 'control', id: 'gen_a', control: { type: 'stop', cause: 'cancelled' } },
        }),
      );
      await waitUntil(() => seen.length === 1);
      expect(store.unreadableEvents).toBe(2);
    } finally {
      await Promise.all([store.dispose(), redis.quit()]);
    }
  });

  test('an unreachable Redis fails the opening with the backend named', async () => {
    await expect(
      RedisGenerationStore.open({
        url: 'redis://user:hunter2@127.0.0.1:1',
        redis: { retryStrategy: () => null },
      }),
    ).rejects.toMatchObject({
      code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
      message: expect.stringMatching(
        /^Redis \(generation store.*\) at 127\.0\.0\.1:1 is unreachable/,
      ),
    });
  });
});
