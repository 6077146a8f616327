/**
 * The in-memory `TokenMeter`: tokens per minute per tenant and per key on GCRA (see
 * `gcra-table.ts`). A budget holds its table entries by reference (pinned, so they are
 * never evicted under it), so `consume()` is a clock read and a little arithmetic: no map
 * lookup, no allocation, no await. All generations of a tenant share its entry, and the
 * event loop runs one `consume()` at a time, so together they stop at exactly the limit.
 */

import {
  type GcraEntry,
  GcraTable,
  gcraCharge,
  gcraDelay,
  gcraRemaining,
  gcraResetMs,
} from './gcra-table.ts';
import { type Clock, systemClock } from './quota-clock.ts';
import type { QuotaDecision } from './quota-decision.ts';
import { mostConstraining } from './quota-decision.ts';
import { keyLimits, MINUTE_MS, type QuotaPolicy, tenantLimits } from './quota-policy.ts';
import {
  TOKEN_ALLOWED,
  type TokenBudget,
  type TokenBudgetSubjects,
  type TokenConsumption,
  type TokenMeter,
  type TokenQuotaExceeded,
  UNLIMITED_TOKEN_BUDGET,
} from './token-budget.ts';

export interface MemoryTokenMeterOptions {
  policy: QuotaPolicy;
  clock?: Clock;
  /** Tenants and keys kept at most; idle ones go first. Default 100,000. */
  maxSubjects?: number;
}

const DEFAULT_MAX_SUBJECTS = 100_000;

interface Meter {
  readonly entry: GcraEntry;
  readonly limit: number;
  readonly scope: 'tenant' | 'key';
}

export class MemoryTokenMeter implements TokenMeter {
  readonly specificationVersion = 'v1';
  readonly #policy: QuotaPolicy;
  readonly #clock: Clock;
  readonly #table: GcraTable;

  constructor(options: MemoryTokenMeterOptions) {
    this.#policy = options.policy;
    this.#clock = options.clock ?? systemClock;
    this.#table = new GcraTable(options.maxSubjects ?? DEFAULT_MAX_SUBJECTS);
  }

  async check(subjects: TokenBudgetSubjects): Promise<QuotaDecision | undefined> {
    const now = this.#clock.now();
    const meters = this.#meters(subjects, now);
    const decisions = meters.map((meter): QuotaDecision => {
      const retryAfterMs = gcraDelay(meter.entry, 1, meter.limit, MINUTE_MS, now);
      return {
        name: 'tokens-per-minute',
        scope: meter.scope,
        windowMs: MINUTE_MS,
        allowed: retryAfterMs === 0,
        limit: meter.limit,
        remaining: gcraRemaining(meter.entry, meter.limit, MINUTE_MS, now),
        resetMs: gcraResetMs(meter.entry, now),
        retryAfterMs,
      };
    });
    for (const meter of meters) meter.entry.pins -= 1;
    return mostConstraining(decisions);
  }

  async openTokenBudget(subjects: TokenBudgetSubjects): Promise<TokenBudget> {
    const meters = this.#meters(subjects, this.#clock.now());
    if (meters.length === 0) return UNLIMITED_TOKEN_BUDGET;
    return new MemoryTokenBudget(this.#clock, meters);
  }

  statistics(): { subjects: number; forcedEvictions: number } {
    return this.#table.statistics();
  }

  async dispose(): Promise<void> {}

  /** The key's meter first (the narrower scope is named when both are out); pinned. */
  #meters(subjects: TokenBudgetSubjects, now: number): Meter[] {
    const meters: Meter[] = [];
    if (subjects.keyId !== undefined) {
      const limit = keyLimits(this.#policy, subjects.keyId).tokensPerMinute;
      if (limit !== undefined) {
        meters.push(this.#meter(`key:${subjects.keyId}`, limit, 'key', now));
      }
    }
    const limit = tenantLimits(this.#policy, subjects.tenant).tokensPerMinute;
    if (limit !== undefined) {
      meters.push(this.#meter(`tenant:${subjects.tenant}`, limit, 'tenant', now));
    }
    return meters;
  }

  #meter(subject: string, limit: number, scope: 'tenant' | 'key', now: number): Meter {
    const entry = this.#table.entry(subject, now);
    entry.pins += 1;
    return { entry, limit, scope };
  }
}

class MemoryTokenBudget implements TokenBudget {
  readonly #clock: Clock;
  // At most two: a key's and its tenant's. Named fields keep consume() free of loops.
  readonly #first: Meter;
  readonly #second: Meter | undefined;
  #exceeded: TokenQuotaExceeded | undefined;
  #denial: TokenConsumption | undefined;
  #released = false;

  constructor(clock: Clock, meters: readonly Meter[]) {
    this.#clock = clock;
    this.#first = meters[0] as Meter;
    this.#second = meters[1];
  }

  get exceeded(): TokenQuotaExceeded | undefined {
    return this.#exceeded;
  }

  consume(tokens: number): TokenConsumption {
    if (this.#denial !== undefined) return this.#denial;
    // Also refuses NaN, which would otherwise poison the shared entry.
    if (!(tokens > 0)) return TOKEN_ALLOWED;
    const now = this.#clock.now();
    const first = this.#first;
    const firstDelay = gcraDelay(first.entry, tokens, first.limit, MINUTE_MS, now);
    if (firstDelay > 0) return this.#deny(first.scope, firstDelay);
    const second = this.#second;
    if (second !== undefined) {
      const secondDelay = gcraDelay(second.entry, tokens, second.limit, MINUTE_MS, now);
      if (secondDelay > 0) return this.#deny(second.scope, secondDelay);
      gcraCharge(second.entry, tokens, second.limit, MINUTE_MS, now);
    }
    gcraCharge(first.entry, tokens, first.limit, MINUTE_MS, now);
    return TOKEN_ALLOWED;
  }

  charge(tokens: number): void {
    if (!(tokens > 0) || tokens === Number.POSITIVE_INFINITY) return;
    const now = this.#clock.now();
    gcraCharge(this.#first.entry, tokens, this.#first.limit, MINUTE_MS, now);
    if (this.#second !== undefined) {
      gcraCharge(this.#second.entry, tokens, this.#second.limit, MINUTE_MS, now);
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#first.entry.pins -= 1;
    if (this.#second !== undefined) this.#second.entry.pins -= 1;
  }

  #deny(scope: 'tenant' | 'key', retryAfterMs: number): TokenConsumption {
    const exceeded: TokenQuotaExceeded = { limit: 'tokens-per-minute', scope, retryAfterMs };
    this.#exceeded = exceeded;
    this.#denial = Object.freeze({ allowed: false, exceeded });
    return this.#denial;
  }
}
