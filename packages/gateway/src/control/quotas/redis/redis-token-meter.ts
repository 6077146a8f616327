/**
 * `TokenMeter` on Redis: tokens per minute per tenant and per key, shared by every gateway
 * process, on the same GCRA as the memory meter. `consume()` sits on the per-token path and
 * must stay synchronous, so a generation leases tokens in chunks (`leaseTokens`, all budgets
 * that apply charged at once by one Lua script) and spends them locally; it tops the lease
 * up before it runs dry, and only when a lease is spent before its top-up arrived does
 * `consume()` hand the producer a promise. Unused leased tokens are refunded on `release()`,
 * so over time a tenant spends exactly what it streamed; at any moment each running
 * generation may hold up to one chunk its tenant cannot spend elsewhere.
 */
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../quota-clock.ts';
import { mostConstraining, type QuotaDecision } from '../quota-decision.ts';
import { keyLimits, MINUTE_MS, type QuotaPolicy, tenantLimits } from '../quota-policy.ts';
import {
  TOKEN_ALLOWED,
  type TokenBudget,
  type TokenBudgetSubjects,
  type TokenConsumption,
  type TokenMeter,
  type TokenQuotaExceeded,
  UNLIMITED_TOKEN_BUDGET,
} from '../token-budget.ts';

/** Shared by the scripts: each meter's theoretical arrival time, read or written. */
const GCRA_PRELUDE = `
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local epsilon = 1e-6
local function limit_of(i) return tonumber(ARGV[3 + i]) end
local function tat_of(i)
  local raw = redis.call('GET', KEYS[i])
  return raw and tonumber(raw) or 0
end
local function store(i, tat)
  local ttl = math.ceil(tat - now) + 1
  if ttl <= 1 then redis.call('DEL', KEYS[i]) return end
  redis.call('SET', KEYS[i], string.format('%.17g', tat), 'PX', ttl)
end
local function remaining(i, tat)
  local debt = math.max(tat - now, 0)
  local whole = math.floor(((window - debt) * limit_of(i)) / window + epsilon)
  return math.min(math.max(whole, 0), limit_of(i))
end
local function delay(i, tat, cost)
  local wait = math.max(tat, now) + (cost * window) / limit_of(i) - window - now
  if wait > epsilon then return wait end
  return 0
end
`;

/**
 * Leases up to `amount` tokens on every meter at once: as many as the tightest one has
 * whole. Returns { granted } or, when none fit, { 0, index of the first meter short, wait }.
 */
const LEASE_SCRIPT = `${GCRA_PRELUDE}
local tats = {}
local grant = amount
for i = 1, #KEYS do
  tats[i] = tat_of(i)
  grant = math.min(grant, remaining(i, tats[i]))
end
if grant >= 1 then
  for i = 1, #KEYS do store(i, math.max(tats[i], now) + (grant * window) / limit_of(i)) end
  return { tostring(grant), '0', '0' }
end
for i = 1, #KEYS do
  local wait = delay(i, tats[i], 1)
  if wait > 0 then return { '0', tostring(i), string.format('%.17g', wait) } end
end
return { '0', '1', string.format('%.17g', window / limit_of(1)) }
`;

/** Spends `amount` on every meter whether or not it fits (usage learnt afterwards). */
const CHARGE_SCRIPT = `${GCRA_PRELUDE}
for i = 1, #KEYS do store(i, math.max(tat_of(i), now) + (amount * window) / limit_of(i)) end
return 0
`;

/** Gives `amount` leased, unspent tokens back (never past a full bucket). */
const REFUND_SCRIPT = `${GCRA_PRELUDE}
for i = 1, #KEYS do
  local tat = tat_of(i)
  if tat > now then store(i, math.max(tat - (amount * window) / limit_of(i), now)) end
end
return 0
`;

/** Per meter: remaining, resetMs, the wait for one token. Spends nothing. */
const PEEK_SCRIPT = `${GCRA_PRELUDE}
local out = {}
for i = 1, #KEYS do
  local tat = tat_of(i)
  local reset = tat - now
  if reset <= epsilon then reset = 0 end
  out[#out + 1] = tostring(remaining(i, tat))
  out[#out + 1] = string.format('%.17g', reset)
  out[#out + 1] = string.format('%.17g', delay(i, tat, 1))
end
return out
`;

export interface RedisTokenMeterOptions {
  redis: Redis;
  policy: QuotaPolicy;
  keyPrefix?: string;
  clock?: Clock;
  /** Tokens leased at a time per generation. Default 32. */
  leaseTokens?: number;
  /** Told when a charge or refund fails (Redis down); the budget errs towards the tenant. */
  onError?: (error: unknown) => void;
}

interface Meter {
  readonly key: string;
  readonly limit: number;
  readonly scope: 'tenant' | 'key';
}

interface Shortage {
  scope: 'tenant' | 'key';
  retryAfterMs: number;
}

interface Scripts {
  run(script: string, meters: readonly Meter[], amount: number): Promise<string[]>;
  onError(error: unknown): void;
}

export class RedisTokenMeter implements TokenMeter {
  readonly specificationVersion = 'v1';
  readonly #redis: Redis;
  readonly #policy: QuotaPolicy;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #leaseTokens: number;
  readonly #scripts: Scripts;

  constructor(options: RedisTokenMeterOptions) {
    this.#redis = options.redis;
    this.#policy = options.policy;
    this.#prefix = options.keyPrefix ?? 'sluice:tokens:';
    this.#clock = options.clock ?? systemClock;
    this.#leaseTokens = Math.max(1, Math.floor(options.leaseTokens ?? 32));
    const onError = options.onError ?? (() => {});
    this.#scripts = {
      run: async (script, meters, amount) =>
        (await this.#redis.eval(
          script,
          meters.length,
          ...meters.map((meter) => meter.key),
          String(this.#clock.now()),
          String(amount),
          String(MINUTE_MS),
          ...meters.map((meter) => String(meter.limit)),
        )) as string[],
      onError,
    };
  }

  async check(subjects: TokenBudgetSubjects): Promise<QuotaDecision | undefined> {
    const meters = this.#meters(subjects);
    if (meters.length === 0) return undefined;
    const reply = await this.#scripts.run(PEEK_SCRIPT, meters, 0);
    return mostConstraining(
      meters.map((meter, index): QuotaDecision => {
        const retryAfterMs = Number(reply[index * 3 + 2]);
        return {
          name: 'tokens-per-minute',
          scope: meter.scope,
          windowMs: MINUTE_MS,
          allowed: retryAfterMs === 0,
          limit: meter.limit,
          remaining: Number(reply[index * 3]),
          resetMs: Number(reply[index * 3 + 1]),
          retryAfterMs,
        };
      }),
    );
  }

  async openTokenBudget(subjects: TokenBudgetSubjects): Promise<TokenBudget> {
    const meters = this.#meters(subjects);
    if (meters.length === 0) return UNLIMITED_TOKEN_BUDGET;
    return new LeasedTokenBudget(this.#scripts, meters, this.#leaseTokens);
  }

  /** The Redis connection is the caller's. */
  async dispose(): Promise<void> {}

  /** The key's meter first (the narrower scope is named when both are out). */
  #meters(subjects: TokenBudgetSubjects): Meter[] {
    const meters: Meter[] = [];
    if (subjects.keyId !== undefined) {
      const limit = keyLimits(this.#policy, subjects.keyId).tokensPerMinute;
      if (limit !== undefined) {
        meters.push({ key: `${this.#prefix}key:${subjects.keyId}`, limit, scope: 'key' });
      }
    }
    const limit = tenantLimits(this.#policy, subjects.tenant).tokensPerMinute;
    if (limit !== undefined) {
      meters.push({ key: `${this.#prefix}tenant:${subjects.tenant}`, limit, scope: 'tenant' });
    }
    return meters;
  }
}

class LeasedTokenBudget implements TokenBudget {
  readonly #scripts: Scripts;
  readonly #meters: readonly Meter[];
  readonly #leaseTokens: number;
  /** Tokens leased from Redis and not spent yet. */
  #available = 0;
  #topUp: Promise<void> | undefined;
  /** Set by a lease that found nothing to grant. */
  #shortage: Shortage | undefined;
  #exceeded: TokenQuotaExceeded | undefined;
  #denial: TokenConsumption | undefined;
  #released = false;

  constructor(scripts: Scripts, meters: readonly Meter[], leaseTokens: number) {
    this.#scripts = scripts;
    this.#meters = meters;
    this.#leaseTokens = leaseTokens;
  }

  get exceeded(): TokenQuotaExceeded | undefined {
    return this.#exceeded;
  }

  consume(tokens: number): TokenConsumption {
    if (this.#denial !== undefined) return this.#denial;
    if (!(tokens > 0)) return TOKEN_ALLOWED;
    if (this.#available >= tokens) {
      this.#available -= tokens;
      // Ahead of time: the next chunk is on its way before this one runs out.
      if (this.#available * 2 < this.#leaseTokens) void this.#lease(tokens, false);
      return TOKEN_ALLOWED;
    }
    return { allowed: false, pending: this.#consumeLater(tokens) };
  }

  charge(tokens: number): void {
    if (!(tokens > 0) || tokens === Number.POSITIVE_INFINITY) return;
    // Spent from the lease first: only what it cannot cover goes to Redis.
    const fromLease = Math.min(this.#available, tokens);
    this.#available -= fromLease;
    const rest = tokens - fromLease;
    if (rest > 0) {
      this.#scripts.run(CHARGE_SCRIPT, this.#meters, rest).catch(this.#scripts.onError);
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const unused = this.#available;
    this.#available = 0;
    const refund = (amount: number) => {
      if (amount > 0) {
        this.#scripts.run(REFUND_SCRIPT, this.#meters, amount).catch(this.#scripts.onError);
      }
    };
    refund(unused);
    // A top-up still in flight is refunded when it lands.
    void this.#topUp?.then(() => {
      refund(this.#available);
      this.#available = 0;
    });
  }

  async #consumeLater(tokens: number): Promise<TokenConsumption> {
    while (this.#available < tokens) {
      const denied = await this.#lease(tokens, true);
      if (denied !== undefined) return denied;
    }
    this.#available -= tokens;
    return TOKEN_ALLOWED;
  }

  /**
   * Leases another chunk (one request in flight at a time). When nothing fits, a lease the
   * producer is waiting for (`denyWhenEmpty`) ends the budget; one asked ahead of time does
   * not, since tokens are still in hand.
   */
  async #lease(atLeast: number, denyWhenEmpty: boolean): Promise<TokenConsumption | undefined> {
    if (this.#denial !== undefined) return this.#denial;
    if (this.#topUp === undefined) {
      const want = Math.max(this.#leaseTokens, atLeast);
      this.#topUp = this.#scripts
        .run(LEASE_SCRIPT, this.#meters, want)
        .then((reply) => {
          const granted = Number(reply[0]);
          if (this.#released) {
            this.#available += granted;
            return;
          }
          if (granted >= 1) {
            this.#available += granted;
            return;
          }
          this.#shortage = {
            scope: this.#meters[Number(reply[1]) - 1]?.scope ?? 'tenant',
            retryAfterMs: Number(reply[2]),
          };
        })
        .catch((error) => {
          // Redis unreachable: the tokens cannot be accounted for, so no more are handed out.
          this.#scripts.onError(error);
          this.#shortage = { scope: 'tenant', retryAfterMs: 1_000 };
        })
        .finally(() => {
          this.#topUp = undefined;
        });
    }
    this.#shortage = undefined;
    await this.#topUp;
    const shortage = this.#shortage as Shortage | undefined;
    if (shortage !== undefined && denyWhenEmpty && this.#available < atLeast) {
      this.#deny(shortage.scope, shortage.retryAfterMs);
    }
    return this.#denial;
  }

  #deny(scope: 'tenant' | 'key', retryAfterMs: number): void {
    const exceeded: TokenQuotaExceeded = { limit: 'tokens-per-minute', scope, retryAfterMs };
    this.#exceeded = exceeded;
    this.#denial = Object.freeze({ allowed: false, exceeded });
  }
}
