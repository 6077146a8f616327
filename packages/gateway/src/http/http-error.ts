/**
 * Errors as HTTP answers. `HttpError` is the Sluice error a route throws directly with a
 * catalogue code; every Sluice error — this one, a store's, a policy store's, a quota's —
 * is answered by `sendError` the same way, so status and body shape never drift, and a
 * backend outage always carries `Retry-After`.
 */
import { ERROR_CATALOGUE, type ErrorCode, errorBody } from '@sluice/protocol';
import type { FastifyReply } from 'fastify';
import { errorGuard, SluiceError } from '../errors/sluice-error.ts';

export class HttpError extends SluiceError {
  static override readonly isInstance = errorGuard<HttpError>('HttpError');
  override readonly name = 'HttpError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, { headers });
    this.code = code;
  }
}

/** Seconds a client is told to wait when a backend is away and the error names none. */
const BACKEND_RETRY_AFTER_SECONDS = '1';

export function sendError(reply: FastifyReply, error: SluiceError): FastifyReply {
  // Every backend outage (Redis, PostgreSQL) says when to retry, whichever error carried it.
  if (error.code === 'SLUICE_ERR_BACKEND_UNAVAILABLE' && !hasRetryAfter(error.headers)) {
    reply.header('retry-after', BACKEND_RETRY_AFTER_SECONDS);
  }
  return reply
    .code(error.status)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message));
}

function hasRetryAfter(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === 'retry-after');
}

/** Maps a catalogue code to an HttpError; unknown codes become upstream errors. */
export function httpErrorFromCode(code: string, message: string): HttpError {
  const known = code in ERROR_CATALOGUE ? (code as ErrorCode) : 'SLUICE_ERR_UPSTREAM_ERROR';
  return new HttpError(known, message);
}
