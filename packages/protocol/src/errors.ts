/**
 * The one error catalogue. Every error a client can see has a stable `SLUICE_ERR_*`
 * code, an HTTP status and a message; the JSON body is `{ error: { code, message } }`.
 * Messages never contain secrets or user text.
 */

export const ERROR_CATALOGUE = {
  SLUICE_ERR_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  SLUICE_ERR_INVALID_UTF8: { status: 400, message: 'The request body is not valid UTF-8' },
  SLUICE_ERR_INVALID_REQUEST: { status: 400, message: 'The request is invalid' },
  SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be application/json',
  },
  SLUICE_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  SLUICE_ERR_INVALID_OFFSET: { status: 400, message: 'The offset is not valid for this stream' },
  SLUICE_ERR_MODEL_NOT_FOUND: { status: 404, message: 'The model does not exist' },
  SLUICE_ERR_GENERATION_NOT_FOUND: { status: 404, message: 'The generation does not exist' },
  SLUICE_ERR_STREAM_NOT_FOUND: { status: 404, message: 'The stream does not exist' },
  SLUICE_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  SLUICE_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  SLUICE_ERR_STREAM_READ_ONLY: { status: 403, message: 'This stream is read-only' },
  SLUICE_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  SLUICE_ERR_UPSTREAM_BAD_RESPONSE: {
    status: 502,
    message: 'The upstream model returned a bad response',
  },
  SLUICE_ERR_UPSTREAM_UNAVAILABLE: { status: 502, message: 'The upstream model is unreachable' },
  SLUICE_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream model timed out' },
  SLUICE_ERR_UPSTREAM_ERROR: { status: 502, message: 'The upstream model reported an error' },
  SLUICE_ERR_STREAM_TRUNCATED: {
    status: 502,
    message: 'The upstream stream ended before it finished',
  },
  SLUICE_ERR_SHUTTING_DOWN: { status: 503, message: 'The gateway is shutting down' },
  SLUICE_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorBody {
  error: { code: ErrorCode | (string & {}); message: string };
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? ERROR_CATALOGUE[code].message } };
}
