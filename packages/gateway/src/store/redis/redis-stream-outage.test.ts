/**
 * The Redis stream store when its connection fails, against the real Redis
 * (127.0.0.1:6379, or SLUICE_TEST_REDIS_URL) reached through a loopback TCP relay the test
 * can cut: a reader waiting for data learns promptly that Redis is gone, a reader survives
 * a blip, and an append whose answer was lost — which ioredis sends again on reconnect — is
 * stored once.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RedisStreamStore } from './redis-stream-store.ts';
import { RedisUnavailableError } from './redis-unavailable-error.ts';

const url = new URL(process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const prefix = `sluice-test:${randomUUID()}:`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A TCP relay to Redis that can refuse, cut, or drop a client right after a request. */
class CuttableRelay {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  refusing = false;
  /** When it matches a request chunk: forward it, then drop the client (answer lost). */
  dropAfter: ((chunk: Buffer) => boolean) | undefined;

  constructor() {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(Number(url.port || 6379), url.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.once('close', () => this.#sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.on('data', (chunk: Buffer) => {
        upstream.write(chunk);
        if (this.dropAfter?.(chunk) === true) {
          this.dropAfter = undefined;
          client.destroy();
          // Redis still runs the request; its answer has nowhere to go.
          setTimeout(() => upstream.destroy(), 200);
        }
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!client.destroyed) client.write(chunk);
      });
      client.once('close', () => {
        if (!this.dropAfter) setTimeout(() => upstream.destroy(), 250);
      });
      upstream.once('close', () => client.destroy());
    });
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as { port: number };
    return `redis://127.0.0.1:${port}`;
  }

  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.refusing = true;
    this.cut();
    this.server.close();
  }
}

let relay: CuttableRelay;
let store: RedisStreamStore;

beforeEach(async () => {
  relay = new CuttableRelay();
  const relayUrl = await relay.listen();
  store = await RedisStreamStore.connect({ url: relayUrl, keyPrefix: prefix });
});

afterEach(async () => {
  await relay.close();
  await store.dispose().catch(() => {
    // Quitting through a relay that is gone fails; the connections are dropped anyway.
  });
});

afterAll(async () => {
  const redis = new Redis(url.toString());
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

async function texts(path: string): Promise<string[]> {
  const batch = await store.read(path, { offset: '-1' });
  return batch.messages.map((message) => decoder.decode(message.data));
}

describe('redis stream store when Redis goes away', () => {
  test('a reader waiting for data fails with SLUICE_ERR_BACKEND_UNAVAILABLE, not silence', async () => {
    const path = `outage/${randomUUID()}`;
    const { info } = await store.create(path, { contentType: 'text/plain' });
    const waiting = store
      .read(path, { offset: info.tailOffset, wait: true })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    relay.refusing = true;
    relay.cut();
    const outcome = await waiting;
    expect(RedisUnavailableError.isInstance(outcome)).toBe(true);
    expect(outcome).toMatchObject({
      code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
      status: 503,
      retryable: true,
      headers: { 'retry-after': '1' },
    });
    // Nothing leaks to the client: the address stays in the cause, for the logs.
    expect((outcome as Error).message).toBe('Redis (stream store) is unavailable');
    const append = await store.append(path, [encoder.encode('x')]).catch((error: unknown) => error);
    expect(append).toMatchObject({ code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' });
  });

  test('a reader waiting through a blip carries on once Redis answers again', async () => {
    const path = `blip/${randomUUID()}`;
    const { info } = await store.create(path, { contentType: 'text/plain' });
    const waiting = store.read(path, { offset: info.tailOffset, wait: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    relay.cut();
    // Reconnected (a read answers), then the data the reader waits for arrives.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const ok = await store.head(path).then(
        () => true,
        () => false,
      );
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await store.append(path, [encoder.encode('after the blip')]);
    const batch = await waiting;
    expect(batch.messages.map((message) => decoder.decode(message.data))).toEqual([
      'after the blip',
    ]);
  });

  test('an append whose answer was lost is sent again on reconnect and stored once', async () => {
    const path = `resend/${randomUUID()}`;
    await store.create(path, { contentType: 'text/plain' });
    await store.append(path, [encoder.encode('first;')]);
    const marker = `once-${randomUUID()};`;
    relay.dropAfter = (chunk) => chunk.includes(marker);
    const result = await store.append(path, [encoder.encode(marker)]);
    expect(relay.dropAfter).toBeUndefined();
    expect(result.duplicate).toBe(true);
    await store.append(path, [encoder.encode('last;')]);
    expect((await texts(path)).join('')).toBe(`first;${marker}last;`);
  });
});
