/**
 * Fastify's own failures as catalogue codes, so no answer ever carries the framework's
 * body (`{"error":"Bad Request","code":"FST_ERR_…"}`): the errors it raises while routing
 * and reading a request (bad percent-encoding in the path, unsupported media type, a body
 * too large or shorter than announced, …) get stable `SLUICE_ERR_*` codes, and any other
 * 4xx the framework or Node reports gets the code of its status. 5xx and unknown errors
 * are not mapped: they are faults, for the caller to log and answer 500.
 */
import type { ErrorCode } from '@sluice/protocol';

const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_BAD_URL: 'SLUICE_ERR_INVALID_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'SLUICE_ERR_INVALID_URL',
  FST_ERR_CTP_BODY_TOO_LARGE: 'SLUICE_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SLUICE_ERR_INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
  FST_ERR_VALIDATION: 'SLUICE_ERR_INVALID_REQUEST',
  FST_ERR_NOT_FOUND: 'SLUICE_ERR_ROUTE_NOT_FOUND',
};

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  404: 'SLUICE_ERR_ROUTE_NOT_FOUND',
  408: 'SLUICE_ERR_REQUEST_TIMEOUT',
  413: 'SLUICE_ERR_BODY_TOO_LARGE',
  414: 'SLUICE_ERR_INVALID_URL',
  415: 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
  431: 'SLUICE_ERR_HEADERS_TOO_LARGE',
};

interface FrameworkError {
  code?: string | undefined;
  statusCode?: number | undefined;
}

/** The catalogue code of a framework or client error; undefined for a fault (5xx, unknown). */
export function frameworkErrorCode(error: FrameworkError): ErrorCode | undefined {
  const byCode = error.code === undefined ? undefined : FASTIFY_CODES[error.code];
  if (byCode !== undefined) return byCode;
  const status = error.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  return STATUS_CODES[status] ?? 'SLUICE_ERR_INVALID_REQUEST';
}
