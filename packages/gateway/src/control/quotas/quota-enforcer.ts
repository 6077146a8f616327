/**
 * The one place the HTTP layer asks "may this go ahead?": admits a generation (requests
 * per minute, tokens left, concurrent generations), another counted request (requests
 * per minute) or a reading connection (concurrent streams per tenant, key and client
 * address), and opens a generation's token budget.
 * Refusals are `QuotaExceededError`s with their 429 headers. A refused request holds no
 * slot and spends nothing from any budget.
 */
import type {
  ConcurrencyLease,
  ConcurrencyLimiter,
  ConcurrencySubject,
} from '../limits/concurrency-limiter.ts';
import { QuotaExceededError } from '../limits/quota-exceeded-error.ts';
import { rateLimitHeaders } from '../limits/rate-limit-headers.ts';
import { mostConstraining, type QuotaDecision } from './quota-decision.ts';
import {
  clientIpStreamLimit,
  keyLimits,
  MINUTE_MS,
  type QuotaPolicy,
  type SubjectLimits,
  tenantLimits,
} from './quota-policy.ts';
import type { RateLimiter, RateLimitRequest } from './rate-limiter.ts';
import type { TokenBudget, TokenMeter } from './token-budget.ts';

export interface QuotaIdentity {
  readonly tenant: string;
  /** The API key id (never the key); absent for requests without a key. */
  readonly keyId?: string | undefined;
}

export interface StreamIdentity {
  readonly tenant?: string | undefined;
  readonly keyId?: string | undefined;
  /** The client address as the gateway trusts it (`request.ip`); never reported. */
  readonly clientIp: string;
}

export interface GenerationAdmission {
  /** The generation's concurrency slots: release when its terminal event is written. */
  readonly lease: ConcurrencyLease;
  /** `RateLimit-*` fields for the accepted response; empty when nothing limits it. */
  readonly headers: Record<string, string>;
}

export interface QuotaEnforcerOptions {
  policy: QuotaPolicy;
  rateLimiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
  tokens: TokenMeter;
}

export class QuotaEnforcer {
  readonly #policy: QuotaPolicy;
  readonly #rateLimiter: RateLimiter;
  readonly #concurrency: ConcurrencyLimiter;
  readonly #tokens: TokenMeter;

  constructor(options: QuotaEnforcerOptions) {
    this.#policy = options.policy;
    this.#rateLimiter = options.rateLimiter;
    this.#concurrency = options.concurrency;
    this.#tokens = options.tokens;
  }

  /** Stops what the stores run in the background (lease renewals); connections are the caller's. */
  async dispose(): Promise<void> {
    await Promise.all([
      this.#rateLimiter.dispose(),
      this.#concurrency.dispose(),
      this.#tokens.dispose(),
    ]);
  }

  /** Before a generation starts. Throws `QuotaExceededError`. */
  async admitGeneration(identity: QuotaIdentity): Promise<GenerationAdmission> {
    const scoped = this.#scopedLimits(identity);
    // Read-only first, then the slot (which can be given back), then the spend.
    const tokens = await this.#tokens.check(identity);
    if (tokens !== undefined && !tokens.allowed) throw new QuotaExceededError(tokens);
    const lease = await this.#acquire(
      scoped.flatMap(({ scope, id, limits }) =>
        subject('concurrent-generations', scope, id, limits.concurrentGenerations),
      ),
    );
    try {
      const rates = await this.#spendRequest(scoped);
      const reported = mostConstraining(tokens === undefined ? rates : [...rates, tokens]);
      return { lease, headers: reported === undefined ? {} : rateLimitHeaders(reported) };
    } catch (error) {
      lease.release();
      throw error;
    }
  }

  /**
   * Before a request that starts no generation but counts against requests per minute
   * (Durable Streams creates and appends). Throws `QuotaExceededError`; returns the
   * `RateLimit-*` fields for the accepted response.
   */
  async admitRequest(identity: QuotaIdentity): Promise<Record<string, string>> {
    const reported = mostConstraining(await this.#spendRequest(this.#scopedLimits(identity)));
    return reported === undefined ? {} : rateLimitHeaders(reported);
  }

  /** When a reading connection opens; release the lease when it closes. */
  async admitStream(identity: StreamIdentity): Promise<ConcurrencyLease> {
    const subjects: ConcurrencySubject[] = [];
    if (identity.tenant !== undefined || identity.keyId !== undefined) {
      for (const { scope, id, limits } of this.#scopedLimits(identity)) {
        subjects.push(...subject('concurrent-streams', scope, id, limits.concurrentStreams));
      }
    }
    subjects.push(
      ...subject(
        'concurrent-streams',
        'client-ip',
        identity.clientIp,
        clientIpStreamLimit(this.#policy),
      ),
    );
    return this.#acquire(subjects);
  }

  /** The generation's streaming token budget; see `TokenBudget`. */
  openTokenBudget(identity: QuotaIdentity): Promise<TokenBudget> {
    return this.#tokens.openTokenBudget(identity);
  }

  async #acquire(subjects: readonly ConcurrencySubject[]): Promise<ConcurrencyLease> {
    const result = await this.#concurrency.acquire(subjects);
    if (!result.granted) throw new QuotaExceededError(result.decision);
    return result;
  }

  async #spendRequest(scoped: readonly Scoped[]): Promise<QuotaDecision[]> {
    const requests: RateLimitRequest[] = [];
    const scopes: Array<'tenant' | 'key'> = [];
    for (const { scope, id, limits } of scoped) {
      if (limits.requestsPerMinute === undefined) continue;
      requests.push({
        subject: `requests-per-minute:${scope}:${id}`,
        cost: 1,
        limit: limits.requestsPerMinute,
        windowMs: MINUTE_MS,
      });
      scopes.push(scope);
    }
    if (requests.length === 0) return [];
    const decisions = (await this.#rateLimiter.tryAcquireAll(requests)).map(
      (decision, index): QuotaDecision => ({
        ...decision,
        name: 'requests-per-minute',
        scope: scopes[index] ?? 'tenant',
        windowMs: MINUTE_MS,
      }),
    );
    const reported = mostConstraining(decisions);
    if (reported !== undefined && !reported.allowed) throw new QuotaExceededError(reported);
    return decisions;
  }

  #scopedLimits(identity: { tenant?: string | undefined; keyId?: string | undefined }): Scoped[] {
    const scoped: Scoped[] = [];
    if (identity.keyId !== undefined) {
      scoped.push({
        scope: 'key',
        id: identity.keyId,
        limits: keyLimits(this.#policy, identity.keyId),
      });
    }
    if (identity.tenant !== undefined) {
      scoped.push({
        scope: 'tenant',
        id: identity.tenant,
        limits: tenantLimits(this.#policy, identity.tenant),
      });
    }
    return scoped;
  }
}

interface Scoped {
  scope: 'tenant' | 'key';
  id: string;
  limits: SubjectLimits;
}

function subject(
  name: ConcurrencySubject['name'],
  scope: ConcurrencySubject['scope'],
  id: string,
  limit: number | undefined,
): ConcurrencySubject[] {
  return limit === undefined ? [] : [{ name, scope, id, limit }];
}
