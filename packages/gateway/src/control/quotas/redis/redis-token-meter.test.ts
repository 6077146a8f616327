/**
 * The Redis token meter against a real Redis: budgets shared by several gateway processes
 * stop together at exactly the limit, leased tokens left unspent go back, usage learnt
 * afterwards is charged, and admission checks spend nothing. A manual clock: nothing sleeps.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, test } from 'vitest';
import { ManualClock } from '../quota-clock.ts';
import { parseQuotaPolicy } from '../quota-policy.ts';
import type { TokenBudget, TokenConsumption } from '../token-budget.ts';
import { RedisTokenMeter } from './redis-token-meter.ts';

const prefix = `sluice-test:${randomUUID()}:tokens:`;
const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

function meter(policy: unknown, clock: ManualClock, connection: Redis = redis, leaseTokens = 8) {
  return new RedisTokenMeter({
    redis: connection,
    policy: parseQuotaPolicy(policy),
    keyPrefix: prefix,
    clock,
    leaseTokens,
  });
}

async function spend(budget: TokenBudget): Promise<TokenConsumption> {
  const consumption = budget.consume(1);
  return consumption.pending ? await consumption.pending : consumption;
}

describe('RedisTokenMeter', () => {
  test('two processes draw on one budget and stop together at exactly the limit', async () => {
    const tenant = `t-${randomUUID()}`;
    const clock = new ManualClock(10_000_000);
    const other = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      const policy = { tenants: { [tenant]: { tokensPerMinute: 100 } } };
      const first = await meter(policy, clock).openTokenBudget({ tenant });
      const second = await meter(policy, clock, other).openTokenBudget({ tenant });
      let allowed = 0;
      const open = new Set([first, second]);
      while (open.size > 0) {
        for (const budget of [...open]) {
          const consumption = await spend(budget);
          if (consumption.allowed) allowed += 1;
          else open.delete(budget);
        }
      }
      expect(allowed).toBe(100);
      expect(first.exceeded).toMatchObject({ limit: 'tokens-per-minute', scope: 'tenant' });
      expect(first.exceeded?.retryAfterMs).toBeGreaterThan(0);
      // Sticky: once it said no it keeps saying no.
      expect(first.consume(1).allowed).toBe(false);
    } finally {
      await other.quit();
    }
  });

  test('tokens leased and not spent go back on release', async () => {
    const tenant = `t-${randomUUID()}`;
    const clock = new ManualClock(20_000_000);
    const meters = meter({ tenants: { [tenant]: { tokensPerMinute: 60 } } }, clock, redis, 32);
    const budget = await meters.openTokenBudget({ tenant });
    for (let index = 0; index < 3; index += 1) expect((await spend(budget)).allowed).toBe(true);
    expect((await meters.check({ tenant }))?.remaining).toBeLessThanOrEqual(60 - 32);
    budget.release();
    await redis.ping(); // the refund was sent on the shared connection before this
    expect((await meters.check({ tenant }))?.remaining).toBe(57);
  });

  test('usage learnt afterwards is charged; admission checks spend nothing', async () => {
    const tenant = `t-${randomUUID()}`;
    const clock = new ManualClock(30_000_000);
    const meters = meter({ tenants: { [tenant]: { tokensPerMinute: 50 } } }, clock);
    expect(await meters.check({ tenant })).toMatchObject({ allowed: true, remaining: 50 });
    expect(await meters.check({ tenant })).toMatchObject({ allowed: true, remaining: 50 });
    const budget = await meters.openTokenBudget({ tenant });
    budget.charge(50); // the prompt, as the upstream reported it
    await redis.ping();
    const decision = await meters.check({ tenant });
    expect(decision).toMatchObject({ allowed: false, remaining: 0, name: 'tokens-per-minute' });
    expect((await spend(budget)).allowed).toBe(false);
    // The budget refills continuously: a tenth of a minute brings back 5 tokens.
    clock.advance(6_000);
    expect((await meters.check({ tenant }))?.remaining).toBe(5);
  });

  test("a key's tighter limit stops it first and is the one named", async () => {
    const tenant = `t-${randomUUID()}`;
    const keyId = `k-${randomUUID()}`;
    const clock = new ManualClock(40_000_000);
    const meters = meter(
      {
        tenants: { [tenant]: { tokensPerMinute: 1_000 } },
        keys: { [keyId]: { tokensPerMinute: 10 } },
      },
      clock,
    );
    const budget = await meters.openTokenBudget({ tenant, keyId });
    let allowed = 0;
    while ((await spend(budget)).allowed) allowed += 1;
    expect(allowed).toBe(10);
    expect(budget.exceeded?.scope).toBe('key');
    // The tenant was charged the same ten tokens, no more.
    expect((await meters.check({ tenant }))?.remaining).toBe(990);
  });

  test('no limit means an unlimited budget and no Redis call', async () => {
    const meters = meter({}, new ManualClock());
    expect(await meters.check({ tenant: 'free' })).toBeUndefined();
    const budget = await meters.openTokenBudget({ tenant: 'free' });
    expect(budget.consume(1_000_000).allowed).toBe(true);
  });
});
