/**
 * PostgreSQL out of reach while serving: a refused, reset or timed-out connection, or a
 * server shutting down, becomes `SLUICE_ERR_BACKEND_UNAVAILABLE` (503, retryable), so a
 * request fails with a clear answer instead of a 500, and the pool reconnects by itself
 * on a later request once the database is back. Every other error passes unchanged.
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export class GovernanceBackendUnavailableError extends SluiceError {
  static override readonly isInstance = errorGuard<GovernanceBackendUnavailableError>(
    'GovernanceBackendUnavailableError',
  );
  override readonly name = 'GovernanceBackendUnavailableError';
  readonly code = 'SLUICE_ERR_BACKEND_UNAVAILABLE' as const;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server that is going away or not accepting connections yet. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What `pg` itself says when a connection dies or does not come in time. */
const PG_CLIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/;

export function isPgUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) {
      return true;
    }
  }
  return typeof message === 'string' && PG_CLIENT_MESSAGES.test(message);
}

/** The error to throw: a connection failure as the catalogue's 503, anything else as is. */
export function pgBackendError(error: unknown): unknown {
  if (!isPgUnavailable(error)) return error;
  // The driver's message names no secret (never the URL's password); keep it for operators.
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new GovernanceBackendUnavailableError(
    `The PostgreSQL governance database is unreachable${detail}`,
    { cause: error },
  );
}
