/**
 * Turns what can go wrong talking to an upstream into `ProviderError`s with the right code
 * and retryability. Messages are composed here from safe parts only (status, error kind,
 * failure class): never from headers, request bodies or free-text upstream messages, which
 * can echo API keys or prompt text.
 */
import { ProviderError } from '../language-model.ts';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

/** Statuses worth retrying: timeouts, conflicts, rate limits, server errors (incl. 529). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** A short machine identifier (`invalid_api_key`, `overloaded_error`) from an error body. */
export function upstreamErrorKind(bodyText: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  return errorKindOf((parsed as { error?: unknown }).error);
}

/** The safe identifier of an `error` object (`code`, else `type`), if it looks like one. */
export function errorKindOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, type } = error as { code?: unknown; type?: unknown };
  for (const candidate of [code, type]) {
    if (typeof candidate === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(candidate)) return candidate;
  }
  return undefined;
}

export function errorFromStatus(status: number, kind: string | undefined): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: `The upstream responded with HTTP ${status}${kind === undefined ? '' : ` (${kind})`}`,
    retryable: isRetryableStatus(status),
    upstreamStatus: status,
  });
}

/** A request that failed before any response: refused, unresolvable, timed out. */
export function errorFromRequestFailure(error: unknown): ProviderError {
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ProviderError({
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
      message:
        code === 'UND_ERR_HEADERS_TIMEOUT'
          ? 'The upstream did not start responding in time'
          : 'Connecting to the upstream timed out',
      retryable: true,
      cause: error,
    });
  }
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
    message: `The upstream is unreachable${code === undefined ? '' : ` (${code})`}`,
    retryable: true,
    cause: error,
  });
}

/** A failure while reading an already-started stream. */
export function errorFromStreamFailure(error: unknown): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const code = errorCode(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ProviderError({
      code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
      message: 'The upstream stream went silent for too long',
      retryable: true,
      cause: error,
    });
  }
  return new ProviderError({
    code: 'SLUICE_ERR_STREAM_TRUNCATED',
    message: `The upstream connection failed mid-stream${code === undefined ? '' : ` (${code})`}`,
    retryable: true,
    cause: error,
  });
}

export function truncatedStreamError(): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_STREAM_TRUNCATED',
    message: 'The upstream stream ended before it finished',
    retryable: true,
  });
}

export function malformedChunkError(detail: string, cause?: unknown): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_BAD_RESPONSE',
    message: `The upstream sent a malformed stream event (${detail})`,
    retryable: false,
    cause,
  });
}
