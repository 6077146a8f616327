/**
 * The errors of the Redis generation store and leases. Data under a Sluice key that the
 * store cannot read (written by something else, or corrupted) is an error for that one
 * generation, never a crash of the node. An unreachable Redis is the one outage error every
 * Redis-backed part shares (`RedisUnavailableError`, 503 with `Retry-After`); it names the
 * backend and its address, never the URL (it may hold a password).
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export {
  isRedisUnavailable,
  RedisUnavailableError,
  redisBackendError,
} from '../redis/redis-unavailable-error.ts';

export class StoreDataError extends SluiceError {
  static override readonly isInstance = errorGuard<StoreDataError>('StoreDataError');
  override readonly name = 'StoreDataError';
  readonly code = 'SLUICE_ERR_STORE_DATA_INVALID' as const;
}
