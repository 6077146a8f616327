/**
 * Errors of the API key store, each with a marker for `isInstance()`; neither carries a
 * secret. The admin API answers them 404 and 400.
 */

const API_KEY_NOT_FOUND_ERROR = Symbol.for('sluice.tenants.api-key-not-found-error');
const API_KEY_INPUT_ERROR = Symbol.for('sluice.tenants.api-key-input-error');

export class ApiKeyNotFoundError extends Error {
  readonly [API_KEY_NOT_FOUND_ERROR] = true;
  override readonly name = 'ApiKeyNotFoundError';
  readonly status = 404;
  readonly retryable = false;
  readonly keyId: string;

  constructor(keyId: string) {
    super('The API key does not exist');
    this.keyId = keyId;
  }

  static isInstance(value: unknown): value is ApiKeyNotFoundError {
    return typeof value === 'object' && value !== null && API_KEY_NOT_FOUND_ERROR in value;
  }
}

export class ApiKeyInputError extends Error {
  readonly [API_KEY_INPUT_ERROR] = true;
  override readonly name = 'ApiKeyInputError';
  readonly status = 400;
  readonly retryable = false;
  /** The field that was refused: `tenant`, `name` or `scopes`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }

  static isInstance(value: unknown): value is ApiKeyInputError {
    return typeof value === 'object' && value !== null && API_KEY_INPUT_ERROR in value;
  }
}
