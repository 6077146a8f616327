/**
 * The streaming token meter: budgets cut at exactly the limit, shared by all generations
 * of a tenant, separate between tenants, refilled with time, and cheap to call per token.
 */
import { describe, expect, test } from 'vitest';
import { MemoryTokenMeter } from './memory-token-meter.ts';
import { ManualClock } from './quota-clock.ts';
import { parseQuotaPolicy, type QuotaPolicyInput } from './quota-policy.ts';
import type { TokenBudget } from './token-budget.ts';

function meterFor(policy: QuotaPolicyInput, clock = new ManualClock()) {
  return { clock, meter: new MemoryTokenMeter({ policy: parseQuotaPolicy(policy), clock }) };
}

/** A model stream of `count` one-token deltas. */
async function* tokens(count: number): AsyncGenerator<string> {
  for (let index = 0; index < count; index += 1) yield ` t${index}`;
}

/** What the producer does: relay each token the budget allows, stop at the first no. */
async function relay(stream: AsyncIterable<string>, budget: TokenBudget) {
  const relayed: string[] = [];
  for await (const delta of stream) {
    let consumption = budget.consume(1);
    if (consumption.pending) consumption = await consumption.pending;
    if (!consumption.allowed) return { relayed, finishReason: 'quota', ...consumption.exceeded };
    relayed.push(delta);
  }
  return { relayed, finishReason: 'stop' };
}

describe('MemoryTokenMeter', () => {
  test("a tenant's token budget cuts a running stream with quota", async () => {
    const { meter } = meterFor({ tenants: { acme: { tokensPerMinute: 5 } } });
    const budget = await meter.openTokenBudget({ tenant: 'acme' });
    const result = await relay(tokens(20), budget);
    expect(result).toMatchObject({
      finishReason: 'quota',
      limit: 'tokens-per-minute',
      scope: 'tenant',
    });
    expect(result.relayed).toHaveLength(5);
    expect(budget.exceeded).toMatchObject({ limit: 'tokens-per-minute', scope: 'tenant' });
    budget.release();
  });

  test('concurrent generations of one tenant stop together at exactly the limit', async () => {
    const { meter } = meterFor({ tenants: { acme: { tokensPerMinute: 100 } } });
    const budgets = await Promise.all(
      Array.from({ length: 7 }, () => meter.openTokenBudget({ tenant: 'acme' })),
    );
    const results = await Promise.all(budgets.map((budget) => relay(tokens(1_000), budget)));
    const total = results.reduce((sum, result) => sum + result.relayed.length, 0);
    expect(total).toBe(100);
    for (const result of results) expect(result.finishReason).toBe('quota');
    // Streams interleave, so every generation got a share rather than the first taking all.
    for (const result of results) expect(result.relayed.length).toBeGreaterThan(0);
    for (const budget of budgets) budget.release();
  });

  test("one tenant's exhausted budget never touches another tenant's", async () => {
    const { meter } = meterFor({ tenants: { default: { tokensPerMinute: 10 } } });
    const first = await meter.openTokenBudget({ tenant: 'first' });
    const second = await meter.openTokenBudget({ tenant: 'second' });
    expect((await relay(tokens(50), first)).relayed).toHaveLength(10);
    expect((await relay(tokens(50), second)).relayed).toHaveLength(10);
  });

  test('a key budget inside a larger tenant budget is named when it runs out', async () => {
    const { meter } = meterFor({
      tenants: { acme: { tokensPerMinute: 100 } },
      keys: { k1: { tokensPerMinute: 3 } },
    });
    const viaKey = await meter.openTokenBudget({ tenant: 'acme', keyId: 'k1' });
    const result = await relay(tokens(10), viaKey);
    expect(result).toMatchObject({ finishReason: 'quota', scope: 'key' });
    expect(result.relayed).toHaveLength(3);
    // The refused token was charged to neither: the tenant has 97 left.
    expect(await meter.check({ tenant: 'acme' })).toMatchObject({ remaining: 97, allowed: true });
  });

  test('the tenant budget binds when it is the smaller one', async () => {
    const { meter } = meterFor({
      tenants: { acme: { tokensPerMinute: 4 } },
      keys: { k1: { tokensPerMinute: 100 } },
    });
    const result = await relay(
      tokens(10),
      await meter.openTokenBudget({ tenant: 'acme', keyId: 'k1' }),
    );
    expect(result).toMatchObject({ scope: 'tenant' });
    expect(result.relayed).toHaveLength(4);
  });

  test('tokens come back with time, and a refused budget stays refused', async () => {
    const { meter, clock } = meterFor({ tenants: { acme: { tokensPerMinute: 60 } } });
    const first = await meter.openTokenBudget({ tenant: 'acme' });
    expect(first.consume(60).allowed).toBe(true);
    const denial = first.consume(1);
    expect(denial.allowed).toBe(false);
    expect(denial.exceeded?.retryAfterMs).toBeCloseTo(1_000, 3);
    clock.advance(1_000);
    // The generation that was cut is over; a new one may use the refilled token.
    expect(first.consume(1).allowed).toBe(false);
    const second = await meter.openTokenBudget({ tenant: 'acme' });
    expect(second.consume(1).allowed).toBe(true);
    expect(second.consume(1).allowed).toBe(false);
  });

  test('check says when a tenant is out of tokens, without spending', async () => {
    const { meter, clock } = meterFor({ tenants: { acme: { tokensPerMinute: 6 } } });
    expect(await meter.check({ tenant: 'other' })).toBeUndefined();
    const budget = await meter.openTokenBudget({ tenant: 'acme' });
    budget.consume(6);
    const check = await meter.check({ tenant: 'acme' });
    expect(check).toMatchObject({
      allowed: false,
      name: 'tokens-per-minute',
      scope: 'tenant',
      limit: 6,
      remaining: 0,
      windowMs: 60_000,
    });
    expect(check?.retryAfterMs).toBeCloseTo(10_000, 3);
    clock.advance(10_000);
    expect(await meter.check({ tenant: 'acme' })).toMatchObject({ allowed: true, remaining: 1 });
  });

  test('charge spends after the fact and makes later tokens wait', async () => {
    const { meter } = meterFor({ tenants: { acme: { tokensPerMinute: 10 } } });
    const budget = await meter.openTokenBudget({ tenant: 'acme' });
    budget.charge(25);
    expect(budget.consume(1).allowed).toBe(false);
    const check = await meter.check({ tenant: 'acme' });
    expect(check?.retryAfterMs).toBeCloseTo(96_000, 3);
  });

  test('without a tokens-per-minute limit every token is allowed', async () => {
    const { meter } = meterFor({ tenants: { acme: { requestsPerMinute: 1 } } });
    const budget = await meter.openTokenBudget({ tenant: 'acme', keyId: 'k1' });
    for (let index = 0; index < 10_000; index += 1) expect(budget.consume(1).allowed).toBe(true);
    budget.release();
  });

  test('odd token counts spend nothing and never poison the budget', async () => {
    const { meter } = meterFor({ tenants: { acme: { tokensPerMinute: 2 } } });
    const budget = await meter.openTokenBudget({ tenant: 'acme' });
    expect(budget.consume(0).allowed).toBe(true);
    expect(budget.consume(-3).allowed).toBe(true);
    expect(budget.consume(Number.NaN).allowed).toBe(true);
    budget.charge(Number.NaN);
    expect(budget.consume(2).allowed).toBe(true);
    expect(budget.consume(1).allowed).toBe(false);
  });

  test('the allowed answer is one shared object: nothing is allocated per token', async () => {
    const { meter } = meterFor({ tenants: { acme: { tokensPerMinute: 1_000 } } });
    const budget = await meter.openTokenBudget({ tenant: 'acme' });
    expect(budget.consume(1)).toBe(budget.consume(1));
  });

  test('release is idempotent and lets the table drop the tenant once it is whole', async () => {
    const clock = new ManualClock();
    const meter = new MemoryTokenMeter({
      policy: parseQuotaPolicy({ tenants: { default: { tokensPerMinute: 10 } } }),
      clock,
      maxSubjects: 50,
    });
    const held = await meter.openTokenBudget({ tenant: 'held' });
    held.consume(10);
    for (let index = 0; index < 500; index += 1) {
      const budget = await meter.openTokenBudget({ tenant: `tenant-${index}` });
      budget.consume(1);
      budget.release();
      budget.release();
    }
    expect(meter.statistics().subjects).toBeLessThanOrEqual(51);
    // The open budget's entry was pinned: its spent tokens are still remembered.
    expect(held.consume(1).allowed).toBe(false);
    expect(await meter.check({ tenant: 'held' })).toMatchObject({ allowed: false });
  });
});
