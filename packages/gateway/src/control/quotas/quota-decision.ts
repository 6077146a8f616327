/**
 * A quota decision named after the limit and the scope that made it: what the rate-limit
 * headers and `QuotaExceededError` are built from.
 */
import type { QuotaLimitName, QuotaScope } from './quota-policy.ts';
import type { RateLimitDecision } from './rate-limiter.ts';

export interface QuotaDecision extends RateLimitDecision {
  readonly name: QuotaLimitName;
  readonly scope: QuotaScope;
  /** The window of a rate (a minute); undefined for concurrency limits. */
  readonly windowMs: number | undefined;
}

/**
 * The decision to report when several budgets were consulted: a denial if any (the one
 * that frees up last), else the budget closest to running out.
 */
export function mostConstraining(decisions: readonly QuotaDecision[]): QuotaDecision | undefined {
  let chosen: QuotaDecision | undefined;
  for (const decision of decisions) {
    if (chosen === undefined || constrains(decision, chosen)) chosen = decision;
  }
  return chosen;
}

function constrains(candidate: QuotaDecision, current: QuotaDecision): boolean {
  if (candidate.allowed !== current.allowed) return !candidate.allowed;
  if (!candidate.allowed) return candidate.retryAfterMs > current.retryAfterMs;
  return candidate.remaining / candidate.limit < current.remaining / current.limit;
}
