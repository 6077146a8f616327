/**
 * Redis out of reach — at start or while serving — as one error for every Redis-backed
 * part (stream log, generation records and leases, quotas): `SLUICE_ERR_BACKEND_UNAVAILABLE`,
 * HTTP 503 with `Retry-After`, retryable. `redisBackendError` turns what ioredis raises
 * when its connection is gone (a refused or reset socket, retries used up, a closed
 * connection, a timed-out command) into it and passes every other error through, so a
 * caller never answers a 500 for an outage. Messages name Redis, never a URL or password.
 */
import { errorGuard, SluiceError, type SluiceErrorOptions } from '../../errors/sluice-error.ts';

/** Seconds a client waits before retrying: Redis reconnects are attempted within that. */
export const REDIS_RETRY_AFTER_SECONDS = 1;

export class RedisUnavailableError extends SluiceError {
  static override readonly isInstance = errorGuard<RedisUnavailableError>('RedisUnavailableError');
  override readonly name = 'RedisUnavailableError';
  readonly code = 'SLUICE_ERR_BACKEND_UNAVAILABLE' as const;

  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, {
      ...options,
      headers: { 'retry-after': String(REDIS_RETRY_AFTER_SECONDS), ...options.headers },
    });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** What ioredis itself says when a command cannot reach a server. */
const IOREDIS_MESSAGES =
  /^(Connection is closed|Stream isn't writeable|Command timed out|Reached the max retries per request limit)/;

/** True for the errors ioredis raises when Redis is out of reach (not for a reply error). */
export function isRedisUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (RedisUnavailableError.isInstance(error)) return true;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  // A reply error is Redis answering: data or script trouble, never the connection.
  if (name === 'ReplyError') return false;
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return typeof message === 'string' && IOREDIS_MESSAGES.test(message);
}

/**
 * The error to throw: an outage as `RedisUnavailableError` naming `role` (e.g. `stream
 * store`), anything else as is. Clients read the message, so the driver's (which names
 * Redis's address) stays in `cause`, for the logs.
 */
export function redisBackendError(error: unknown, role: string): unknown {
  if (RedisUnavailableError.isInstance(error) || !isRedisUnavailable(error)) return error;
  return new RedisUnavailableError(`Redis (${role}) is unavailable`, { cause: error });
}
