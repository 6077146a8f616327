/**
 * The streaming token meter's contract. A generation opens one `TokenBudget` for its tenant
 * and API key; the producer calls `consume()` for each token as it streams and stops the
 * generation (finish reason `quota`, a `quota-exceeded` event) the first time it says no,
 * so a budget runs out mid-stream rather than being settled after the fact.
 *
 * `consume()` is synchronous because it sits on the per-token path. A memory meter answers
 * from its table in O(1) without allocating; a shared store (Redis) leases chunks of
 * budget to the generation and answers from the lease, topping it up ahead of time, and
 * only when a lease is spent before its top-up arrived returns `pending` for the producer
 * to await. Unused leased tokens go back on `release()`.
 */
import type { QuotaDecision } from './quota-decision.ts';

/** The payload of the proposed `quota-exceeded` event (without its `type`). */
export interface TokenQuotaExceeded {
  readonly limit: 'tokens-per-minute';
  readonly scope: 'tenant' | 'key';
  /** Milliseconds until the tokens asked for would fit again. */
  readonly retryAfterMs: number;
}

export interface TokenConsumption {
  readonly allowed: boolean;
  /** Why not, when a quota said no. */
  readonly exceeded?: TokenQuotaExceeded;
  /**
   * Only from stores that lease budget remotely: the local lease is spent and a top-up is
   * in flight; await this for the real answer. The memory meter never sets it.
   */
  readonly pending?: Promise<TokenConsumption>;
}

export interface TokenBudgetSubjects {
  readonly tenant: string;
  /** The API key id (never the key); keys have budgets of their own within the tenant. */
  readonly keyId?: string | undefined;
}

export interface TokenBudget {
  /**
   * Spends `tokens` on every budget that applies, or on none. Once it has said no it keeps
   * saying no: the generation is over. Values that are not positive spend nothing.
   */
  consume(tokens: number): TokenConsumption;
  /**
   * Spends `tokens` whether or not they fit (usage learnt after the fact, such as the
   * prompt tokens an upstream reports): later calls wait for the debt to refill.
   */
  charge(tokens: number): void;
  /** Why the budget said no, once it has. */
  readonly exceeded: TokenQuotaExceeded | undefined;
  /** Ends the generation's use of the budget; idempotent. */
  release(): void;
}

export interface TokenMeter {
  readonly specificationVersion: 'v1';
  /**
   * At admission: is at least one token left for this tenant and key? Spends nothing.
   * Undefined when no tokens-per-minute limit applies.
   */
  check(subjects: TokenBudgetSubjects): Promise<QuotaDecision | undefined>;
  openTokenBudget(subjects: TokenBudgetSubjects): Promise<TokenBudget>;
  dispose(): Promise<void>;
}

export const TOKEN_ALLOWED: TokenConsumption = Object.freeze({ allowed: true });

/** The budget of a generation no tokens-per-minute limit applies to. */
export const UNLIMITED_TOKEN_BUDGET: TokenBudget = Object.freeze({
  consume: () => TOKEN_ALLOWED,
  charge: () => {},
  exceeded: undefined,
  release: () => {},
});
