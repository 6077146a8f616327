/**
 * Opening and closing the ioredis connections of the generation store and the leases:
 * opening fails fast with `RedisUnavailableError` (naming Redis and its host, never the
 * URL's password) instead of queueing commands forever; while serving, a command given to
 * a Redis that went away fails after two reconnect attempts (about a second) instead of
 * queueing, so callers answer 503 rather than hang; and closing never hangs on a Redis
 * that went away.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { REDIS_CLIENT_DEFAULTS } from '../redis/redis-connection.ts';
import { RedisUnavailableError } from './redis-store-errors.ts';

export type ConnectionOptions = Omit<RedisOptions, 'replyMapping'>;

const CLOSE_TIMEOUT_MS = 1000;

export async function connectRedis(
  url: string,
  options: ConnectionOptions,
  role: string,
): Promise<Redis> {
  // Sluice's outage behaviour (`REDIS_CLIENT_DEFAULTS`) unless the caller set its own.
  const redis = new Redis(url, { ...REDIS_CLIENT_DEFAULTS, ...options, lazyConnect: true });
  // ioredis reconnects by itself after this; an 'error' event without a listener would
  // crash the process, and failing commands already reject to their callers.
  redis.on('error', () => {});
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new RedisUnavailableError(
      `Redis (${role}) at ${addressOf(url)} is unreachable: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export async function closeRedis(redis: Redis): Promise<void> {
  const timer = setTimeout(() => redis.disconnect(), CLOSE_TIMEOUT_MS);
  try {
    await redis.quit();
  } catch {
    // Closed already, or Redis went away: disconnect below drops what is left.
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** `host:port` of a Redis URL, without its credentials. */
function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured URL';
  }
}
