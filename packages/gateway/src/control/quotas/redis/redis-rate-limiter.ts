/**
 * `RateLimiter` on Redis: the same GCRA as the memory store (`gcra-table.ts`), run as one
 * Lua script per call so a tenant's budget holds across every gateway process, and
 * `tryAcquireAll` stays all-or-nothing across budgets. Each subject is one key holding its
 * theoretical arrival time; it expires when the bucket is full again, so idle subjects cost
 * nothing. Time comes from the caller's clock (`now` is a script argument), so every node
 * decides on the same arithmetic and tests drive it with a manual clock.
 *
 * The keys of one call must hash to one slot on a Redis Cluster; on a single Redis (the
 * supported deployment) any subjects may be combined.
 */
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../quota-clock.ts';
import {
  assertRateLimitRequest,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRequest,
} from '../rate-limiter.ts';

/**
 * KEYS: one per request. ARGV: now, then cost, limit, windowMs per request. Returns, per
 * request, allowed (0/1), remaining, resetMs and retryAfterMs — as strings, since Redis
 * truncates Lua numbers to integers. A subject named twice is charged twice, in order, as
 * the memory store does.
 */
const GCRA_SCRIPT = `
local now = tonumber(ARGV[1])
local epsilon = 1e-6
local count = #KEYS
local current = {}
local delays = {}
local allowed = true
for i = 1, count do
  local key = KEYS[i]
  if current[key] == nil then
    local raw = redis.call('GET', key)
    current[key] = raw and tonumber(raw) or 0
  end
end
for i = 1, count do
  local cost = tonumber(ARGV[(i - 1) * 3 + 2])
  local limit = tonumber(ARGV[(i - 1) * 3 + 3])
  local window = tonumber(ARGV[(i - 1) * 3 + 4])
  local delay
  if cost > limit then
    delay = window
  else
    delay = math.max(current[KEYS[i]], now) + (cost * window) / limit - window - now
    if delay <= epsilon then delay = 0 end
  end
  delays[i] = delay
  if delay ~= 0 then allowed = false end
end
local out = {}
for i = 1, count do
  local key = KEYS[i]
  local cost = tonumber(ARGV[(i - 1) * 3 + 2])
  local limit = tonumber(ARGV[(i - 1) * 3 + 3])
  local window = tonumber(ARGV[(i - 1) * 3 + 4])
  if allowed then
    current[key] = math.max(current[key], now) + (cost * window) / limit
    local ttl = math.ceil(current[key] - now) + 1
    if ttl < 1 then ttl = 1 end
    redis.call('SET', key, string.format('%.17g', current[key]), 'PX', ttl)
  end
  local tat = current[key]
  local debt = math.max(tat - now, 0)
  local remaining = math.floor(((window - debt) * limit) / window + epsilon)
  remaining = math.min(math.max(remaining, 0), limit)
  local reset = tat - now
  if reset <= epsilon then reset = 0 end
  out[#out + 1] = allowed and '1' or '0'
  out[#out + 1] = tostring(remaining)
  out[#out + 1] = string.format('%.17g', reset)
  out[#out + 1] = allowed and '0' or string.format('%.17g', delays[i])
end
return out
`;

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** Prefixes every subject's key, so deployments (and tests) sharing a Redis stay apart. */
  keyPrefix?: string;
  clock?: Clock;
}

export class RedisRateLimiter implements RateLimiter {
  readonly specificationVersion = 'v1';
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #clock: Clock;

  constructor(options: RedisRateLimiterOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'sluice:rate:';
    this.#clock = options.clock ?? systemClock;
  }

  async tryAcquire(
    subject: string,
    cost: number,
    limit: number,
    windowMs: number,
  ): Promise<RateLimitDecision> {
    const [decision] = await this.tryAcquireAll([{ subject, cost, limit, windowMs }]);
    return decision as RateLimitDecision;
  }

  async tryAcquireAll(requests: readonly RateLimitRequest[]): Promise<RateLimitDecision[]> {
    for (const request of requests) assertRateLimitRequest(request);
    if (requests.length === 0) return [];
    const keys = requests.map((request) => `${this.#prefix}${request.subject}`);
    const args = [String(this.#clock.now())];
    for (const request of requests) {
      args.push(String(request.cost), String(request.limit), String(request.windowMs));
    }
    const reply = (await this.#redis.eval(GCRA_SCRIPT, keys.length, ...keys, ...args)) as string[];
    return requests.map((request, index) => ({
      allowed: reply[index * 4] === '1',
      limit: request.limit,
      remaining: Number(reply[index * 4 + 1]),
      resetMs: Number(reply[index * 4 + 2]),
      retryAfterMs: Number(reply[index * 4 + 3]),
    }));
  }

  /** The Redis connection is the caller's; nothing to release here. */
  async dispose(): Promise<void> {}
}
