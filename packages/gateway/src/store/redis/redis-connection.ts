/**
 * Opening the Redis connections of the stream store: a command connection and a
 * subscriber, checked at start so a gateway configured for Redis fails fast with a
 * message naming the backend (and never its password) instead of queueing forever.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { RedisUnavailableError } from './redis-unavailable-error.ts';

/**
 * The name the gateway's startup knows the error by; the one Redis outage error of every
 * Redis-backed part (`redis-unavailable-error.ts`).
 */
export { RedisUnavailableError as BackendUnavailableError };

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/**
 * How every Sluice Redis connection behaves while Redis is away. A command waits through
 * two reconnect attempts, then fails (503) instead of queueing: ioredis's defaults (20
 * attempts, backing off to 2 s, 10 s per connection attempt) would hold a request for tens
 * of seconds. Attempts come at most 500 ms apart, so a Redis that is back is used again
 * within half a second, and a blip of a few hundred milliseconds is ridden out: commands
 * queue meanwhile, and those in flight are sent again on reconnect (appends carry a token,
 * so a resent one is not stored twice).
 */
export const REDIS_CLIENT_DEFAULTS = {
  maxRetriesPerRequest: 2,
  retryStrategy: (attempt: number): number => Math.min(attempt * 50, 500),
  connectTimeout: 2_000,
} as const satisfies RedisOptions;

/** The URL as it may be shown: user and password replaced, anything unparsable hidden. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username !== '') parsed.username = '***';
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: it could be anything, a password included, so none of it is shown.
    return '(unparsable Redis URL)';
  }
}

export interface RedisConnections {
  client: Redis;
  subscriber: Redis;
  /** The store opened `client` and closes it on dispose. */
  ownsClient: boolean;
}

/**
 * Opens (or takes) the command connection and duplicates it for the subscriber; rejects
 * with `RedisUnavailableError` when Redis does not answer a PING within the timeout.
 */
export async function openRedisConnections(options: {
  url?: string;
  client?: Redis;
  connectTimeoutMs?: number;
}): Promise<RedisConnections> {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const ownsClient = options.client === undefined;
  const client = options.client ?? new Redis(url, { ...REDIS_CLIENT_DEFAULTS, lazyConnect: true });
  let lastError = '';
  // ioredis reconnects by itself; until the check passes, errors are kept for the message.
  const remember = (error: Error): void => {
    lastError = error.message;
  };
  client.on('error', remember);
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      }),
    ]);
  } catch (error) {
    if (ownsClient) client.disconnect();
    const reason = lastError || (error as Error).message;
    const shown = options.client === undefined ? redactRedisUrl(url) : 'the given connection';
    throw new RedisUnavailableError(
      `Redis (stream store, ${shown}) is unreachable: ${redactSecrets(reason, url)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  const subscriber = client.duplicate();
  // Errors while serving surface on the commands that fail; ioredis reconnects meanwhile.
  subscriber.on('error', () => {});
  return { client, subscriber, ownsClient };
}

/** Error texts from drivers may echo the URL; the password never leaves this module. */
function redactSecrets(message: string, url: string): string {
  try {
    const { password } = new URL(url);
    return password === '' ? message : message.split(decodeURIComponent(password)).join('***');
  } catch {
    return message;
  }
}
