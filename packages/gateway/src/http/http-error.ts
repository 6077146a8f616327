/**
 * Errors as HTTP answers: every route throws or sends an `HttpError` carrying a code
 * from the one catalogue in @sluice/protocol, so status and body shape never drift.
 */
import { ERROR_CATALOGUE, type ErrorCode, errorBody } from '@sluice/protocol';
import type { FastifyReply } from 'fastify';

const HTTP_ERROR = Symbol.for('sluice.http.error');

export class HttpError extends Error {
  readonly [HTTP_ERROR] = true;
  override readonly name = 'HttpError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message?: string, headers: Record<string, string> = {}) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.code = code;
    this.statusCode = ERROR_CATALOGUE[code].status;
    this.headers = headers;
  }

  static isInstance(value: unknown): value is HttpError {
    return typeof value === 'object' && value !== null && HTTP_ERROR in value;
  }
}

export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply
    .code(error.statusCode)
    .headers(error.headers)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message));
}

/** Maps a catalogue code to an HttpError; unknown codes become upstream errors. */
export function httpErrorFromCode(code: string, message: string): HttpError {
  const known = code in ERROR_CATALOGUE ? (code as ErrorCode) : 'SLUICE_ERR_UPSTREAM_ERROR';
  return new HttpError(known, message);
}
