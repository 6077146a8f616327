/**
 * The error for a request refused by a quota or a concurrency limit: always 429, always
 * retryable, with a stable code per kind of limit and the rate-limit headers to send. Its
 * message names the limit and the scope ("for this key"), never who the subject is.
 */
import type { ErrorCode } from '@sluice/protocol';
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';
import type { QuotaDecision } from '../quotas/quota-decision.ts';
import type { QuotaLimitName, QuotaScope } from '../quotas/quota-policy.ts';
import { rateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.ts';

export type QuotaErrorCode = Extract<
  ErrorCode,
  'SLUICE_ERR_RATE_LIMITED' | 'SLUICE_ERR_QUOTA_EXCEEDED' | 'SLUICE_ERR_TOO_MANY_CONCURRENT'
>;

const CODES: Record<QuotaLimitName, QuotaErrorCode> = {
  'requests-per-minute': 'SLUICE_ERR_RATE_LIMITED',
  'tokens-per-minute': 'SLUICE_ERR_QUOTA_EXCEEDED',
  'concurrent-generations': 'SLUICE_ERR_TOO_MANY_CONCURRENT',
  'concurrent-streams': 'SLUICE_ERR_TOO_MANY_CONCURRENT',
};

const WHAT: Record<QuotaLimitName, string> = {
  'requests-per-minute': 'Too many requests per minute',
  'tokens-per-minute': 'The tokens-per-minute quota is used up',
  'concurrent-generations': 'Too many concurrent generations',
  'concurrent-streams': 'Too many open streams',
};

const WHOSE: Record<QuotaScope, string> = {
  tenant: 'for this tenant',
  key: 'for this API key',
  'client-ip': 'from this client address',
};

export class QuotaExceededError extends SluiceError {
  static override readonly isInstance = errorGuard<QuotaExceededError>('QuotaExceededError');
  override readonly name = 'QuotaExceededError';
  readonly code: QuotaErrorCode;
  readonly decision: QuotaDecision;

  constructor(decision: QuotaDecision) {
    const seconds = retryAfterSeconds(decision.retryAfterMs);
    // `Retry-After` and the `RateLimit-*` fields, ready for the reply.
    super(`${WHAT[decision.name]} ${WHOSE[decision.scope]}; retry after ${seconds} s`, {
      headers: rateLimitHeaders({ ...decision, allowed: false }),
    });
    this.code = CODES[decision.name];
    this.decision = decision;
  }
}
