/**
 * The contract of a rate limiter: "may this subject spend `cost` more units of a budget of
 * `limit` per `windowMs`?" Asynchronous so a Redis store can answer with one atomic script
 * per call; in memory it resolves at once. Every implementation runs
 * `rate-limiter-conformance.ts`.
 *
 * Semantics every store must keep: a subject may spend its whole limit at once and earns
 * it back continuously at `limit / windowMs` (GCRA / token bucket), so no window edge lets
 * two full bursts through back to back. A denied call spends nothing. Subjects are opaque
 * strings; callers namespace them (`requests-per-minute:tenant:acme`).
 */

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** The limit the decision was made against, for `RateLimit-Limit`. */
  readonly limit: number;
  /** Whole units that could still be spent now (after this call's cost, when allowed). */
  readonly remaining: number;
  /** Milliseconds until the whole limit is available again. */
  readonly resetMs: number;
  /** Milliseconds until this cost would be allowed; 0 when allowed. */
  readonly retryAfterMs: number;
}

export interface RateLimitRequest {
  readonly subject: string;
  readonly cost: number;
  readonly limit: number;
  readonly windowMs: number;
}

export interface RateLimiter {
  readonly specificationVersion: 'v1';
  /** Spends `cost` units of `subject`'s budget if they fit, else nothing. */
  tryAcquire(
    subject: string,
    cost: number,
    limit: number,
    windowMs: number,
  ): Promise<RateLimitDecision>;
  /**
   * All or nothing across several budgets (a tenant's and its key's): spends on every one
   * only if each allows it. Decisions come back in request order.
   */
  tryAcquireAll(requests: readonly RateLimitRequest[]): Promise<RateLimitDecision[]>;
  dispose(): Promise<void>;
}

/**
 * Throws on arguments no store can honour; shared so every implementation refuses the
 * same inputs the same way.
 */
export function assertRateLimitRequest(request: RateLimitRequest): void {
  if (!Number.isFinite(request.cost) || request.cost < 0) {
    throw new RangeError('cost must be a finite number of at least 0');
  }
  if (!Number.isInteger(request.limit) || request.limit < 1) {
    throw new RangeError('limit must be a positive integer');
  }
  if (!Number.isFinite(request.windowMs) || request.windowMs <= 0) {
    throw new RangeError('windowMs must be a positive number');
  }
}
