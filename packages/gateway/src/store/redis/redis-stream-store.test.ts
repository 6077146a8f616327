/**
 * Runs the shared StreamStore conformance suites against a real Redis (127.0.0.1:6379,
 * or SLUICE_TEST_REDIS_URL), under a key prefix of its own that is deleted afterwards,
 * then what only Redis shows: two store instances on one Redis wake each other's readers,
 * many local readers of one stream cost one Redis read per append, and foreign data in a
 * stream's keys is a clear error for that stream.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { runStreamStoreBudgetConformance } from '../stream-store-budget-conformance.ts';
import { runStreamStoreConformance } from '../stream-store-conformance.ts';
import { RedisStreamStore } from './redis-stream-store.ts';

const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sluice-test:${randomUUID()}:`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const connect = (): Promise<RedisStreamStore> =>
  RedisStreamStore.connect({ url, keyPrefix: prefix, sweepIntervalMs: 20 });

afterAll(async () => {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

runStreamStoreConformance('redis', connect);
runStreamStoreBudgetConformance('redis', connect);

/** Counts the commands a connection sends, by name. */
function countCommands(client: Redis): Map<string, number> {
  const counts = new Map<string, number>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    const name = command.name.toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return (send as (...args: unknown[]) => unknown)(command, ...rest);
  }) as typeof client.sendCommand;
  return counts;
}

describe('redis stream store across instances', () => {
  test('an append on one store wakes a reader waiting on another', async () => {
    const [writer, reader] = await Promise.all([connect(), connect()]);
    const path = `cross/${randomUUID()}`;
    const { info } = await writer.create(path, { contentType: 'text/plain' });
    const pending = reader.read(path, { offset: info.tailOffset, wait: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await writer.append(path, [encoder.encode('hello')]);
    const batch = await pending;
    expect(batch.messages.map((message) => decoder.decode(message.data))).toEqual(['hello']);
    const closing = reader.read(path, { offset: batch.nextOffset, wait: true });
    await writer.close(path);
    expect(await closing).toMatchObject({ closed: true, messages: [] });
    await Promise.all([writer.dispose(), reader.dispose()]);
  });

  test('a hundred local readers of one stream cost one Redis read per append, none to start waiting at the tail', async () => {
    const writer = await connect();
    const client = new Redis(url);
    const reader = await RedisStreamStore.connect({ client, keyPrefix: prefix });
    const path = `fan-out/${randomUUID()}`;
    const { info } = await writer.create(path, { contentType: 'application/json' });
    let offset = info.tailOffset;
    // The first read of each reader (before it waits) is its own; count from the wake-up.
    const waits = Array.from({ length: 100 }, () => reader.read(path, { offset, wait: true }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const counts = countCommands(client);
    for (let round = 0; round < 5; round++) {
      const appended = await writer.append(path, [encoder.encode(`${round}`)]);
      const batches = await Promise.all(waits.splice(0));
      for (const batch of batches) expect(batch.nextOffset).toBe(appended.offset);
      offset = appended.offset;
      if (round < 4) {
        waits.push(...Array.from({ length: 100 }, () => reader.read(path, { offset, wait: true })));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const scripts = (counts.get('evalsha') ?? 0) + (counts.get('eval') ?? 0);
    // One shared read per wake-up (5), never one per reader. The readers of rounds 2 to 5
    // start at the tail the last read found, with no wake-up since: they wait without
    // asking Redis at all.
    expect(scripts).toBe(5);
    await Promise.all([writer.dispose(), reader.dispose()]);
    await client.quit();
  });

  test('an unreachable Redis fails at connect, naming Redis but not the password', async () => {
    const error = await RedisStreamStore.connect({
      url: 'redis://sluice:hunter2@127.0.0.1:1',
      keyPrefix: prefix,
      connectTimeoutMs: 300,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' });
    expect((error as Error).message).toContain('Redis');
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('hunter2');
  });

  test('a stream key of another type is a clear error, not a crash', async () => {
    const store = await connect();
    const redis = new Redis(url);
    const path = `wrong-type/${randomUUID()}`;
    await redis.hset(`${prefix}p:${path}`, 'a', 'b');
    const error = await store.head(path).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_STORE_DATA_INVALID' });
    await redis.quit();
    await store.dispose();
  });

  test('foreign data in a stream key is a clear error for that stream, not a crash', async () => {
    const store = await connect();
    const redis = new Redis(url);
    const path = `foreign/${randomUUID()}`;
    await redis.set(`${prefix}p:${path}`, 'not-an-id');
    await redis.hset(`${prefix}i:not-an-id`, 'something', 'else');
    const error = await store.read(path, { offset: '-1' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SLUICE_ERR_STORE_DATA_INVALID' });
    await redis.quit();
    await store.dispose();
  });
});
