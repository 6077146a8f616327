/**
 * The contract of the concurrency limits: how many generations a tenant or key may run at
 * once, and how many reading connections (SSE, long-poll, WebSocket) a tenant, a key or a
 * client address may hold open. `acquire()` takes every counter a request touches at once
 * or none of them, and hands back a lease whose `release()` may be called any number of
 * times. Asynchronous so a Redis store (counters with a lease expiry, so a crashed gateway's
 * slots come back) can follow.
 */
import type { QuotaDecision } from '../quotas/quota-decision.ts';
import type { QuotaScope } from '../quotas/quota-policy.ts';

export type ConcurrencyLimitName = 'concurrent-generations' | 'concurrent-streams';

export interface ConcurrencySubject {
  readonly name: ConcurrencyLimitName;
  readonly scope: QuotaScope;
  /** The tenant, key id or client address; kept only as a counter key, never reported. */
  readonly id: string;
  /** The most leases this subject may hold at once. */
  readonly limit: number;
}

export interface ConcurrencyLease {
  readonly granted: true;
  /** Gives every slot back; later calls do nothing. */
  release(): void;
}

export interface ConcurrencyRejection {
  readonly granted: false;
  /** The first subject that was full; nothing was taken from any subject. */
  readonly decision: QuotaDecision;
}

export interface ConcurrencyLimiter {
  readonly specificationVersion: 'v1';
  acquire(
    subjects: readonly ConcurrencySubject[],
  ): Promise<ConcurrencyLease | ConcurrencyRejection>;
  /** Leases a subject holds now (for metrics and tests). */
  inUse(subject: Pick<ConcurrencySubject, 'name' | 'scope' | 'id'>): Promise<number>;
  dispose(): Promise<void>;
}

/**
 * The refusal every store gives for a full subject: nothing was taken, and the
 * `Retry-After` is a hint (a slot frees when other work ends, which nobody can predict).
 */
export function concurrencyRejection(
  subject: ConcurrencySubject,
  retryAfterMs: number,
): ConcurrencyRejection {
  return {
    granted: false,
    decision: {
      allowed: false,
      name: subject.name,
      scope: subject.scope,
      windowMs: undefined,
      limit: subject.limit,
      remaining: 0,
      resetMs: retryAfterMs,
      retryAfterMs,
    },
  };
}
