/**
 * The errors of the Redis generation store and leases. Data under a Sluice key that the
 * store cannot read (written by something else, or corrupted) is an error for that one
 * generation, never a crash of the node; an unreachable Redis names the backend and its
 * address, never the URL (it may hold a password).
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export class StoreDataError extends SluiceError {
  static override readonly isInstance = errorGuard<StoreDataError>('StoreDataError');
  override readonly name = 'StoreDataError';
  readonly code = 'SLUICE_ERR_STORE_DATA_INVALID' as const;
}

export class StoreUnreachableError extends SluiceError {
  static override readonly isInstance = errorGuard<StoreUnreachableError>('StoreUnreachableError');
  override readonly name = 'StoreUnreachableError';
  readonly code = 'SLUICE_ERR_BACKEND_UNAVAILABLE' as const;
}
