/**
 * The one error catalogue. Every error a client can see has a stable `SLUICE_ERR_*`
 * code, an HTTP status and a message; the JSON body is `{ error: { code, message } }`.
 * Messages never contain secrets or user text.
 */

export const ERROR_CATALOGUE = {
  SLUICE_ERR_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  SLUICE_ERR_INVALID_UTF8: { status: 400, message: 'The request body is not valid UTF-8' },
  SLUICE_ERR_INVALID_REQUEST: { status: 400, message: 'The request is invalid' },
  SLUICE_ERR_UNSUPPORTED_FIELD: {
    status: 400,
    message: 'The request sets a field the chosen model cannot carry',
  },
  SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be application/json',
  },
  SLUICE_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  SLUICE_ERR_TOO_MANY_MESSAGES: {
    status: 413,
    message: 'The request has more messages than this gateway accepts',
  },
  SLUICE_ERR_INVALID_OFFSET: { status: 400, message: 'The offset is not valid for this stream' },
  SLUICE_ERR_MODEL_NOT_FOUND: { status: 404, message: 'The model does not exist' },
  SLUICE_ERR_GENERATION_NOT_FOUND: { status: 404, message: 'The generation does not exist' },
  SLUICE_ERR_STREAM_NOT_FOUND: { status: 404, message: 'The stream does not exist' },
  SLUICE_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route' },
  SLUICE_ERR_STREAM_READ_ONLY: { status: 403, message: 'This stream is read-only' },
  SLUICE_ERR_STREAM_CONFLICT: {
    status: 409,
    message: 'The stream exists with a different configuration',
  },
  SLUICE_ERR_STREAM_CLOSED: { status: 409, message: 'The stream is closed' },
  SLUICE_ERR_STREAM_GONE: { status: 410, message: 'The stream was deleted' },
  SLUICE_ERR_CONTENT_TYPE_MISMATCH: {
    status: 409,
    message: "The content type does not match the stream's",
  },
  SLUICE_ERR_STREAM_SEQ_CONFLICT: {
    status: 409,
    message: 'Stream-Seq must be greater than the last one',
  },
  SLUICE_ERR_PRODUCER_EPOCH_STALE: { status: 403, message: 'The producer epoch is stale' },
  SLUICE_ERR_PRODUCER_SEQUENCE_GAP: { status: 409, message: 'The producer sequence has a gap' },
  SLUICE_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests' },
  SLUICE_ERR_QUOTA_EXCEEDED: { status: 429, message: 'The token quota is used up for now' },
  SLUICE_ERR_TOO_MANY_CONCURRENT: {
    status: 429,
    message: 'Too many concurrent generations or streams',
  },
  SLUICE_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  SLUICE_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive' },
  SLUICE_ERR_UNAUTHENTICATED: {
    status: 401,
    message: 'A valid API key is required (Authorization: Bearer <key>)',
  },
  SLUICE_ERR_FORBIDDEN: { status: 403, message: 'The API key lacks the scope this needs' },
  SLUICE_ERR_API_KEY_NOT_FOUND: { status: 404, message: 'The API key does not exist' },
  SLUICE_ERR_POLICY_INVALID: { status: 400, message: 'The policy document is invalid' },
  SLUICE_ERR_POLICY_NOT_FOUND: { status: 404, message: 'The policy or version does not exist' },
  SLUICE_ERR_POLICY_VERSION_ACTIVE: {
    status: 409,
    message: 'That policy version is already active',
  },
  SLUICE_ERR_REVIEW_NOT_FOUND: { status: 404, message: 'The review item does not exist' },
  SLUICE_ERR_REVIEW_ALREADY_DECIDED: {
    status: 409,
    message: 'The review item was already decided',
  },
  SLUICE_ERR_INVALID_CURSOR: { status: 400, message: 'The cursor is not valid' },
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
  SLUICE_ERR_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The generation could not be recorded; nothing was started',
  },
  SLUICE_ERR_INTERNAL: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorBody {
  error: { code: ErrorCode | (string & {}); message: string };
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? ERROR_CATALOGUE[code].message } };
}
