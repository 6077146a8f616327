/**
 * The rate-limit response headers from a quota decision: `Retry-After` on refusals
 * (RFC 9110, whole seconds, at least 1) and the IETF RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers: `RateLimit-Limit`, `RateLimit-Remaining`,
 * `RateLimit-Reset` in delta seconds, and `RateLimit-Policy` with the window `w` and a
 * `comment` naming the limit). They name the limit and the scope, never the tenant, key or
 * address, so they carry nothing a client should not see.
 */
import type { QuotaDecision } from '../quotas/quota-decision.ts';

/** Whole seconds to wait, rounded up and never 0: `Retry-After: 0` invites a hot loop. */
export function retryAfterSeconds(retryAfterMs: number): number {
  if (!Number.isFinite(retryAfterMs)) return 60;
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

export function rateLimitHeaders(decision: QuotaDecision): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil(decision.resetMs / 1000));
  const window =
    decision.windowMs === undefined
      ? ''
      : `;w=${Math.max(1, Math.round(decision.windowMs / 1000))}`;
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(Math.max(0, Math.floor(decision.remaining))),
    'RateLimit-Reset': String(
      decision.allowed
        ? resetSeconds
        : Math.max(resetSeconds, retryAfterSeconds(decision.retryAfterMs)),
    ),
    'RateLimit-Policy': `${decision.limit}${window};comment="${decision.name}"`,
  };
  if (!decision.allowed) headers['Retry-After'] = String(retryAfterSeconds(decision.retryAfterMs));
  return headers;
}
