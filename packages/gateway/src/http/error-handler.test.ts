/**
 * One mapping for every route: a backend outage, whichever part raised it (the Redis
 * stores, the Redis driver itself, PostgreSQL), is a 503 `SLUICE_ERR_BACKEND_UNAVAILABLE`
 * with `Retry-After`; a Redis key of a foreign type is `SLUICE_ERR_STORE_DATA_INVALID`;
 * neither is ever a bare 500. Errors are real ones (the driver's from a closed port and a
 * real Redis on 127.0.0.1:6379, or SLUICE_TEST_REDIS_URL).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pgBackendError } from '../governance/postgres/pg-backend-unavailable.ts';
import { RedisUnavailableError } from '../store/redis/redis-unavailable-error.ts';
import { registerErrorHandling } from './error-handler.ts';

const url = process.env.SLUICE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let app: FastifyInstance;
let driverOutage: unknown;
let wrongType: unknown;

beforeAll(async () => {
  const away = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  away.on('error', () => {});
  await away.connect().catch(() => {});
  driverOutage = await away.get('x').catch((error: unknown) => error);
  away.disconnect();
  const redis = new Redis(url);
  const key = `sluice-test:${randomUUID()}:hash`;
  await redis.hset(key, 'a', 'b');
  wrongType = await redis.get(key).catch((error: unknown) => error);
  await redis.del(key);
  await redis.quit();

  app = Fastify();
  registerErrorHandling(app);
  app.get('/redis-store', async () => {
    throw new RedisUnavailableError('Redis (stream store) is unavailable');
  });
  app.get('/redis-driver', async () => {
    throw driverOutage;
  });
  app.get('/postgres', async () => {
    throw pgBackendError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
  });
  app.get('/wrong-type', async () => {
    throw wrongType;
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('backend errors over HTTP', () => {
  test.each(['/redis-store', '/redis-driver', '/postgres'])(
    '%s: 503 SLUICE_ERR_BACKEND_UNAVAILABLE with Retry-After',
    async (path) => {
      const response = await app.inject({ method: 'GET', url: path });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_BACKEND_UNAVAILABLE' } });
      // The driver's text names Redis's address; clients never see it.
      expect(response.body).not.toContain('127.0.0.1');
    },
  );

  test('a Redis key of a foreign type: SLUICE_ERR_STORE_DATA_INVALID, not an internal error', async () => {
    const response = await app.inject({ method: 'GET', url: '/wrong-type' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ error: { code: 'SLUICE_ERR_STORE_DATA_INVALID' } });
    expect(response.body).not.toContain('WRONGTYPE');
  });
});
