/**
 * Decides what a failed upstream call means for retries, fallbacks and the circuit breaker.
 *
 * - `cancelled`: our caller aborted. Never retried, never counted against the upstream.
 * - `request`: the upstream rejected this particular request (400, 413, 422, a mid-stream
 *   `invalid_request_error`). Sending it elsewhere would fail the same way, so it ends the
 *   call at once, and it says nothing about the upstream's health.
 * - `upstream`: the upstream side failed (5xx, 408, 429, refused or reset connections,
 *   timeouts, truncated or malformed streams, and 401 / 403 / 404, which mean this upstream
 *   is misconfigured rather than that the client asked for something wrong). Counted by the
 *   breaker; retried on the same model when the error says it is retryable, then the next
 *   model in the chain is tried.
 */
import { ProviderError } from '../../providers/language-model.ts';

export type FailureKind = 'cancelled' | 'request' | 'upstream';

/** Client-side statuses that are about the upstream's setup or load, not the request. */
const UPSTREAM_SIDE_CLIENT_STATUSES = new Set([401, 403, 404, 408, 429]);

export function classifyFailure(error: unknown, signal: AbortSignal | undefined): FailureKind {
  if (signal?.aborted) return 'cancelled';
  if (!ProviderError.isInstance(error)) return 'upstream';
  const status = error.upstreamStatus;
  if (status !== undefined && status >= 400 && status < 500) {
    return UPSTREAM_SIDE_CLIENT_STATUSES.has(status) ? 'upstream' : 'request';
  }
  // A mid-stream error event that the provider marked non-retryable names the request.
  if (status === undefined && error.code === 'SLUICE_ERR_UPSTREAM_ERROR' && !error.retryable) {
    return 'request';
  }
  return 'upstream';
}

/** Whether the same model is worth another attempt after an `upstream` failure. */
export function isRetryableFailure(error: unknown): boolean {
  return ProviderError.isInstance(error) ? error.retryable : true;
}
