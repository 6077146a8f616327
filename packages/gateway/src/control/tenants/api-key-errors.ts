/**
 * Errors of the API key store, each with a marker for `isInstance()`; neither carries a
 * secret. The admin API answers them 404 and 400.
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export class ApiKeyNotFoundError extends SluiceError {
  static override readonly isInstance = errorGuard<ApiKeyNotFoundError>('ApiKeyNotFoundError');
  override readonly name = 'ApiKeyNotFoundError';
  readonly code = 'SLUICE_ERR_API_KEY_NOT_FOUND' as const;
  readonly keyId: string;

  constructor(keyId: string) {
    super('The API key does not exist');
    this.keyId = keyId;
  }
}

export class ApiKeyInputError extends SluiceError {
  static override readonly isInstance = errorGuard<ApiKeyInputError>('ApiKeyInputError');
  override readonly name = 'ApiKeyInputError';
  readonly code = 'SLUICE_ERR_INVALID_REQUEST' as const;
  /** The field that was refused: `tenant`, `name` or `scopes`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}
