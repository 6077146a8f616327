/**
 * Opening the Redis connections of the stream store: a command connection and a
 * subscriber, checked at start so a gateway configured for Redis fails fast with a
 * message naming the backend (and never its password) instead of queueing forever.
 */
import { Redis } from 'ioredis';
import { SluiceError } from '../../errors/sluice-error.ts';

/** A storage backend could not be reached (HTTP 503 while serving; exit at start). */
export class BackendUnavailableError extends SluiceError {
  override readonly name = 'BackendUnavailableError';
  readonly code = 'SLUICE_ERR_BACKEND_UNAVAILABLE' as const;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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
 * with `BackendUnavailableError` when Redis does not answer a PING within the timeout.
 */
export async function openRedisConnections(options: {
  url?: string;
  client?: Redis;
  connectTimeoutMs?: number;
}): Promise<RedisConnections> {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const ownsClient = options.client === undefined;
  // Few retries per command: while Redis is away, calls fail fast (503) instead of queueing.
  const client = options.client ?? new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
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
    throw new BackendUnavailableError(
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
