/**
 * The `store` config with Redis: what the schema refuses, a gateway that cannot reach
 * Redis failing to start with a message that names Redis but never its password, and a
 * gateway on Redis relaying a generation (its log written to and read from Redis).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, test, vi } from 'vitest';
import { parseConfig } from '../../config/load-config.ts';
import { buildGateway } from '../../http/app.ts';

const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `sluice-test:${randomUUID()}:`;

afterAll(async () => {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

test('a redis store needs a URL, given once', () => {
  expect(parseConfig({}).store).toMatchObject({ kind: 'memory' });
  expect(() => parseConfig({ store: { kind: 'redis' } })).toThrow(/url/);
  expect(() =>
    parseConfig({ store: { kind: 'redis', url: 'redis://x', urlEnv: 'SLUICE_REDIS_URL' } }),
  ).toThrow(/not both/);
});

test('an unreachable Redis fails startup, naming Redis and not the password', async () => {
  const config = parseConfig({
    port: 0,
    dataDir: ':memory:',
    store: {
      kind: 'redis',
      urlEnv: 'TEST_REDIS_URL',
      keyPrefix,
      connectTimeoutMs: 300,
    },
  });
  const error = await buildGateway({
    config,
    env: { TEST_REDIS_URL: 'redis://:s3cret-pass@127.0.0.1:1' },
  }).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' });
  expect((error as Error).message).toMatch(/^Redis \(stream store/);
  expect((error as Error).message).not.toContain('s3cret-pass');
});

test('a gateway on Redis relays a generation through its Redis log', async () => {
  const gateway = await buildGateway({
    config: parseConfig({ port: 0, dataDir: ':memory:', store: { kind: 'redis', url, keyPrefix } }),
  });
  try {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/generations',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      payload: {
        model: 'simulator',
        messages: [{ role: 'user', content: 'hi' }],
        maxTokens: 5,
      },
    });
    expect(response.statusCode).toBe(201);
    const { id, streamUrl } = response.json() as { id: string; streamUrl: string };
    await vi.waitFor(
      async () => {
        const record = await gateway.app.inject({ method: 'GET', url: `/v1/generations/${id}` });
        expect(record.json()).toMatchObject({ status: 'finished' });
      },
      { timeout: 5000, interval: 25 },
    );
    const log = await gateway.app.inject({ method: 'GET', url: `${streamUrl}?offset=-1` });
    expect(log.statusCode).toBe(200);
    const events = log.json() as { type: string }[];
    // Five tokens and the events around them, ending with the final answer.
    expect(events.length).toBeGreaterThan(5);
    expect(events.at(-1)?.type).toBe('response-final');
    const redis = new Redis(url);
    const [, keys] = await redis.scan('0', 'MATCH', `${keyPrefix}d:*`, 'COUNT', 100_000);
    await redis.quit();
    expect(keys.length).toBeGreaterThan(0);
  } finally {
    await gateway.app.close();
  }
});
