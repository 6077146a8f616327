/**
 * Runs the public Durable Streams server conformance suite against `/v1/stream/*` of the
 * real gateway with its stream log on Redis (`store: { kind: redis }`, 127.0.0.1:6379 or
 * SLUICE_TEST_REDIS_URL), under a key prefix of its own that is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';

const LONG_POLL_TIMEOUT_MS = 1000;
const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `sluice-test:${randomUUID()}:`;

const options = { baseUrl: '', longPollTimeoutMs: LONG_POLL_TIMEOUT_MS };
let server: RunningGateway | undefined;

beforeAll(async () => {
  server = await startGateway({
    config: {
      store: { kind: 'redis', url, keyPrefix },
      streams: { longPollTimeoutMs: LONG_POLL_TIMEOUT_MS },
      http: { cors: { allowedOrigins: ['*'] } },
    },
  });
  options.baseUrl = server.baseUrl;
});

afterAll(async () => {
  await server?.close();
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
});

runConformanceTests(options);

test("the suite ran on Redis: its streams are under this run's key prefix", async () => {
  const redis = new Redis(url);
  let found = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}p:*`, 'COUNT', 1000);
    cursor = next;
    found += keys.length;
  } while (cursor !== '0' && found === 0);
  await redis.quit();
  expect(found).toBeGreaterThan(0);
});
