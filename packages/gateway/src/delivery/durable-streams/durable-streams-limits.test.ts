/**
 * The write policy of `/v1/stream/*`, through `app.inject()` on the plugin with a real
 * memory store: default and longest lifetimes, the per-append message cap, forks of
 * read-only streams, the per-account budgets, and what a large JSON append keeps in
 * memory. Each test replays the attack the hardening review found and asserts the bound.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { MemoryStreamStore } from '../../store/memory-stream-store.ts';
import type { StreamWritePolicy } from './durable-streams-context.ts';
import { DEFAULT_WRITE_POLICY, registerDurableStreams } from './register-durable-streams.ts';

let app: FastifyInstance | undefined;
let store: MemoryStreamStore | undefined;

async function buildApp(policy: Partial<StreamWritePolicy> = {}): Promise<{
  app: FastifyInstance;
  store: MemoryStreamStore;
}> {
  store = new MemoryStreamStore();
  app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  await registerDurableStreams(app, {
    store,
    isReadOnly: (path) => path.startsWith('generations/'),
    writePolicy: { ...DEFAULT_WRITE_POLICY, ...policy },
  });
  return { app, store };
}

afterEach(async () => {
  await app?.close();
  await store?.dispose();
  app = undefined;
  store = undefined;
});

const DAY = 86_400;
const zeros = (count: number): string => `[${new Array(count).fill('0').join(',')}]`;

describe('stream lifetimes', () => {
  test('a stream created without a lifetime gets the default TTL; a fork inherits it', async () => {
    const { app } = await buildApp({ defaultTtlSeconds: 2 * DAY });
    expect((await app.inject({ method: 'PUT', url: '/v1/stream/plain' })).statusCode).toBe(201);
    const head = await app.inject({ method: 'HEAD', url: '/v1/stream/plain' });
    expect(head.headers['stream-ttl']).toBe(String(2 * DAY));
    const fork = await app.inject({
      method: 'PUT',
      url: '/v1/stream/fork',
      headers: { 'stream-forked-from': '/v1/stream/plain' },
    });
    expect(fork.statusCode).toBe(201);
    const forkHead = await app.inject({ method: 'HEAD', url: '/v1/stream/fork' });
    expect(forkHead.headers['stream-ttl']).toBe(String(2 * DAY));
    // Re-creating without a lifetime is the same configuration, not a conflict.
    expect((await app.inject({ method: 'PUT', url: '/v1/stream/plain' })).statusCode).toBe(200);
  });

  test('a TTL or expiry beyond the longest allowed is refused, not clamped', async () => {
    const { app, store } = await buildApp({ maxTtlSeconds: 30 * DAY });
    const tenYears = await app.inject({
      method: 'PUT',
      url: '/v1/stream/forever',
      headers: { 'stream-ttl': String(3650 * DAY) },
    });
    expect(tenYears.statusCode).toBe(400);
    expect(tenYears.json().error).toEqual({
      code: 'SLUICE_ERR_STREAM_TTL_TOO_LONG',
      message: `Stream-TTL may be at most ${30 * DAY} seconds`,
    });
    const farAway = await app.inject({
      method: 'PUT',
      url: '/v1/stream/forever',
      headers: { 'stream-expires-at': new Date(Date.now() + 31 * DAY * 1000).toISOString() },
    });
    expect(farAway.statusCode).toBe(400);
    expect(farAway.json().error.code).toBe('SLUICE_ERR_STREAM_TTL_TOO_LONG');
    expect(await store.head('forever')).toBeUndefined();
    const longest = await app.inject({
      method: 'PUT',
      url: '/v1/stream/forever',
      headers: { 'stream-ttl': String(30 * DAY) },
    });
    expect(longest.statusCode).toBe(201);
  });
});

describe('JSON appends', () => {
  test('a 1 MB array of zeros is refused with a 413 naming the message cap', async () => {
    const { app, store } = await buildApp({ maxMessagesPerAppend: 100_000 });
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/zeros',
      headers: { 'content-type': 'application/json' },
    });
    const attack = await app.inject({
      method: 'POST',
      url: '/v1/stream/zeros',
      headers: { 'content-type': 'application/json' },
      payload: zeros(500_000),
    });
    expect(attack.statusCode).toBe(413);
    expect(attack.json().error).toEqual({
      code: 'SLUICE_ERR_TOO_MANY_MESSAGES',
      message: 'A JSON append may carry at most 100000 messages; this one has 500000',
    });
    expect((await store.read('zeros', { offset: '-1' })).messages).toEqual([]);
  });

  test('large JSON appends are stored compactly: heap stays far below a view per message', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { app, store } = await buildApp({ maxMessagesPerAppend: 500_000 });
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/zeros',
      headers: { 'content-type': 'application/json' },
    });
    const body = zeros(500_000);
    gc();
    const before = process.memoryUsage();
    for (let append = 0; append < 2; append++) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/stream/zeros',
        headers: { 'content-type': 'application/json' },
        payload: body,
      });
      expect(response.statusCode).toBe(204);
    }
    gc();
    const after = process.memoryUsage();
    const retained = after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
    // A million messages: one buffer view each would be ~380 MB; packed they are ~5 MB.
    expect(retained).toBeLessThan(40 * 1024 * 1024);
    const tail = await store.read('zeros', { offset: '-1', maxMessages: 3 });
    expect(tail.messages.map((message) => Buffer.from(message.data).toString())).toEqual([
      '0',
      '0',
      '0',
    ]);
  });
});

describe('forks of read-only streams', () => {
  test('a generation log cannot be forked, with or without a lifetime', async () => {
    const { app, store } = await buildApp();
    await store.create('generations/abc', {
      contentType: 'application/json',
      initialMessages: [Buffer.from('{"type":"text-delta","delta":"secret"}')],
    });
    const fork = await app.inject({
      method: 'PUT',
      url: '/v1/stream/copy',
      headers: { 'stream-forked-from': '/v1/stream/generations/abc' },
    });
    expect(fork.statusCode).toBe(403);
    expect(fork.json().error.code).toBe('SLUICE_ERR_STREAM_FORK_REFUSED');
    expect(await store.head('copy')).toBeUndefined();
  });
});

describe('budgets', () => {
  const budgetOf = (maxStreams: number, maxBytes: number) => () => ({
    account: 'tenant-a',
    maxStreams,
    maxBytes,
  });

  test('appends past the byte budget are 413s and nothing more is stored', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 0x61);
    const { app, store } = await buildApp({ budgetOf: budgetOf(100, 4 * 1024 * 1024) });
    await app.inject({
      method: 'PUT',
      url: '/v1/stream/blob',
      headers: { 'content-type': 'application/octet-stream' },
    });
    const statuses: number[] = [];
    for (let index = 0; index < 10; index++) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/stream/blob',
        headers: { 'content-type': 'application/octet-stream' },
        payload: megabyte,
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 413) {
        expect(response.json().error.code).toBe('SLUICE_ERR_STREAM_BYTES_EXCEEDED');
      }
    }
    expect(statuses).toEqual([204, 204, 204, 413, 413, 413, 413, 413, 413, 413]);
    expect(store.usage('tenant-a').bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  test('creating past the stream count is a 429', async () => {
    const { app } = await buildApp({ budgetOf: budgetOf(3, 1024 * 1024) });
    const statuses: number[] = [];
    for (let index = 0; index < 5; index++) {
      statuses.push((await app.inject({ method: 'PUT', url: `/v1/stream/s${index}` })).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 429, 429]);
    const refused = await app.inject({ method: 'PUT', url: '/v1/stream/s9' });
    expect(refused.json().error.code).toBe('SLUICE_ERR_STREAM_COUNT_EXCEEDED');
    await app.inject({ method: 'DELETE', url: '/v1/stream/s0' });
    expect((await app.inject({ method: 'PUT', url: '/v1/stream/s9' })).statusCode).toBe(201);
  });
});
