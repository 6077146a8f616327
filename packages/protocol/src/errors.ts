/**
 * The one error catalogue. Every error a client can see has a stable `SLUICE_ERR_*`
 * code, an HTTP status, a message and whether retrying the same request later can help;
 * the JSON body is `{ error: { code, message } }`.
 * Messages never contain secrets or user text.
 */

export const ERROR_CATALOGUE = {
  SLUICE_ERR_INVALID_JSON: {
    status: 400,
    message: 'The request body is not valid JSON',
    retryable: false,
  },
  SLUICE_ERR_INVALID_UTF8: {
    status: 400,
    message: 'The request body is not valid UTF-8',
    retryable: false,
  },
  SLUICE_ERR_INVALID_REQUEST: { status: 400, message: 'The request is invalid', retryable: false },
  SLUICE_ERR_INVALID_URL: {
    status: 400,
    message: 'The request URL is not valid (bad percent-encoding or an over-long path segment)',
    retryable: false,
  },
  SLUICE_ERR_UNSUPPORTED_FIELD: {
    status: 400,
    message: 'The request sets a field the chosen model cannot carry',
    retryable: false,
  },
  SLUICE_ERR_INPUT_BLOCKED: {
    status: 400,
    message: "The request was refused by the policy's input guardrails",
    retryable: false,
  },
  SLUICE_ERR_MAX_TOKENS_TOO_LARGE: {
    status: 400,
    message: 'The request asks for more output tokens than the model allows',
    retryable: false,
  },
  SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be application/json',
    retryable: false,
  },
  SLUICE_ERR_BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large',
    retryable: false,
  },
  SLUICE_ERR_TOO_MANY_MESSAGES: {
    status: 413,
    message: 'The request has more messages than this gateway accepts',
    retryable: false,
  },
  SLUICE_ERR_INVALID_OFFSET: {
    status: 400,
    message: 'The offset is not valid for this stream',
    retryable: false,
  },
  SLUICE_ERR_MODEL_NOT_FOUND: {
    status: 404,
    message: 'The model does not exist',
    retryable: false,
  },
  SLUICE_ERR_GENERATION_NOT_FOUND: {
    status: 404,
    message: 'The generation does not exist',
    retryable: false,
  },
  SLUICE_ERR_STREAM_NOT_FOUND: {
    status: 404,
    message: 'The stream does not exist',
    retryable: false,
  },
  SLUICE_ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No such route', retryable: false },
  SLUICE_ERR_STREAM_READ_ONLY: {
    status: 403,
    message: 'This stream is read-only',
    retryable: false,
  },
  SLUICE_ERR_STREAM_CONFLICT: {
    status: 409,
    message: 'The stream exists with a different configuration',
    retryable: false,
  },
  SLUICE_ERR_STREAM_CLOSED: { status: 409, message: 'The stream is closed', retryable: false },
  SLUICE_ERR_STREAM_GONE: { status: 410, message: 'The stream was deleted', retryable: false },
  SLUICE_ERR_CONTENT_TYPE_MISMATCH: {
    status: 409,
    message: "The content type does not match the stream's",
    retryable: false,
  },
  SLUICE_ERR_STREAM_SEQ_CONFLICT: {
    status: 409,
    message: 'Stream-Seq must be greater than the last one',
    retryable: false,
  },
  SLUICE_ERR_PRODUCER_EPOCH_STALE: {
    status: 403,
    message: 'The producer epoch is stale',
    retryable: false,
  },
  SLUICE_ERR_PRODUCER_SEQUENCE_GAP: {
    status: 409,
    message: 'The producer sequence has a gap',
    retryable: false,
  },
  SLUICE_ERR_STREAM_COUNT_EXCEEDED: {
    status: 429,
    message: 'The tenant holds as many streams as it may; delete some or let them expire',
    retryable: true,
  },
  SLUICE_ERR_STREAM_BYTES_EXCEEDED: {
    status: 413,
    message: "The data does not fit in the tenant's stream storage budget",
    retryable: false,
  },
  SLUICE_ERR_STREAM_TTL_TOO_LONG: {
    status: 400,
    message: 'Stream-TTL or Stream-Expires-At is beyond the longest stream lifetime allowed',
    retryable: false,
  },
  SLUICE_ERR_STREAM_FORK_REFUSED: {
    status: 403,
    message: 'Generation logs (read-only streams) cannot be forked',
    retryable: false,
  },
  SLUICE_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests', retryable: true },
  SLUICE_ERR_QUOTA_EXCEEDED: {
    status: 429,
    message: 'The token quota is used up for now',
    retryable: true,
  },
  SLUICE_ERR_TOO_MANY_CONCURRENT: {
    status: 429,
    message: 'Too many concurrent generations or streams',
    retryable: true,
  },
  SLUICE_ERR_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are too large',
    retryable: false,
  },
  SLUICE_ERR_REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request took too long to arrive',
    retryable: true,
  },
  SLUICE_ERR_UNAUTHENTICATED: {
    status: 401,
    message: 'A valid API key is required (Authorization: Bearer <key>)',
    retryable: false,
  },
  SLUICE_ERR_FORBIDDEN: {
    status: 403,
    message: 'The API key lacks the scope this needs',
    retryable: false,
  },
  SLUICE_ERR_DUPLICATE_CREDENTIALS: {
    status: 400,
    message: 'The request presents a credential header (Authorization or x-api-key) more than once',
    retryable: false,
  },
  SLUICE_ERR_HOST_NOT_ALLOWED: {
    status: 403,
    message:
      'This gateway answers only requests addressed to a loopback host (localhost, 127.0.0.1, [::1])',
    retryable: false,
  },
  SLUICE_ERR_API_KEY_NOT_FOUND: {
    status: 404,
    message: 'The API key does not exist',
    retryable: false,
  },
  SLUICE_ERR_POLICY_INVALID: {
    status: 400,
    message: 'The policy document is invalid',
    retryable: false,
  },
  SLUICE_ERR_POLICY_TOO_LARGE: {
    status: 413,
    message:
      'The policy exceeds a size limit (patterns, term lists or their compiled size); the message names it',
    retryable: false,
  },
  SLUICE_ERR_POLICY_NOT_FOUND: {
    status: 404,
    message: 'The policy or version does not exist',
    retryable: false,
  },
  SLUICE_ERR_POLICY_VERSION_ACTIVE: {
    status: 409,
    message: 'That policy version is already active',
    retryable: false,
  },
  SLUICE_ERR_REVIEW_NOT_FOUND: {
    status: 404,
    message: 'The review item does not exist',
    retryable: false,
  },
  SLUICE_ERR_REVIEW_ALREADY_DECIDED: {
    status: 409,
    message: 'The review item was already decided',
    retryable: false,
  },
  SLUICE_ERR_INVALID_CURSOR: { status: 400, message: 'The cursor is not valid', retryable: false },
  SLUICE_ERR_UPSTREAM_BAD_RESPONSE: {
    status: 502,
    message: 'The upstream model returned a bad response',
    retryable: false,
  },
  SLUICE_ERR_UPSTREAM_UNAVAILABLE: {
    status: 502,
    message: 'The upstream model is unreachable',
    retryable: true,
  },
  SLUICE_ERR_UPSTREAM_TIMEOUT: {
    status: 504,
    message: 'The upstream model timed out',
    retryable: true,
  },
  SLUICE_ERR_UPSTREAM_ERROR: {
    status: 502,
    message: 'The upstream model reported an error',
    retryable: true,
  },
  SLUICE_ERR_STREAM_TRUNCATED: {
    status: 502,
    message: 'The upstream stream ended before it finished',
    retryable: true,
  },
  SLUICE_ERR_SHUTTING_DOWN: {
    status: 503,
    message: 'The gateway is shutting down',
    retryable: true,
  },
  SLUICE_ERR_STORE_UNAVAILABLE: {
    status: 503,
    message: 'The generation could not be recorded; nothing was started',
    retryable: true,
  },
  SLUICE_ERR_STORE_DATA_INVALID: {
    status: 500,
    message: 'Stored data for this resource is unreadable (corrupted or written by something else)',
    retryable: false,
  },
  SLUICE_ERR_BACKEND_UNAVAILABLE: {
    status: 503,
    message: 'A storage backend (Redis or PostgreSQL) is unreachable; try again shortly',
    retryable: true,
  },
  SLUICE_ERR_INTERNAL: { status: 500, message: 'Internal error', retryable: true },
} as const satisfies Record<string, { status: number; message: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorBody {
  error: { code: ErrorCode | (string & {}); message: string };
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? ERROR_CATALOGUE[code].message } };
}
