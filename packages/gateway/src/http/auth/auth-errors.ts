/**
 * The answers of authentication, as catalogue errors with their RFC 6750 challenge.
 * A missing, malformed, unknown or revoked key gets the very same 401, so the answer
 * never tells which of those it was.
 */
import { HttpError } from '../http-error.ts';

const REALM = 'Bearer realm="sluice"';

export function unauthenticatedError(): HttpError {
  return new HttpError('SLUICE_ERR_UNAUTHENTICATED', undefined, { 'www-authenticate': REALM });
}

export function forbiddenError(scope: string): HttpError {
  return new HttpError('SLUICE_ERR_FORBIDDEN', `The API key lacks the ${scope} scope`, {
    'www-authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"`,
  });
}

/** Two Authorization (or x-api-key) headers: which one counts would be a guess. */
export function duplicateCredentialsError(): HttpError {
  return new HttpError('SLUICE_ERR_DUPLICATE_CREDENTIALS', undefined, {
    'www-authenticate': `${REALM}, error="invalid_request"`,
  });
}

/** Open mode, addressed by a name that is not loopback (DNS rebinding). */
export function hostNotAllowedError(): HttpError {
  return new HttpError('SLUICE_ERR_HOST_NOT_ALLOWED');
}
