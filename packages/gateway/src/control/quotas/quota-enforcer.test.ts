/**
 * Admission end to end over the memory stores: each limit refuses with its code and
 * headers, a refusal holds no slot and spends nothing, and tenants never share budgets.
 */
import { describe, expect, test } from 'vitest';
import { MemoryConcurrencyLimiter } from '../limits/memory-concurrency-limiter.ts';
import { QuotaExceededError } from '../limits/quota-exceeded-error.ts';
import { MemoryRateLimiter } from './memory-rate-limiter.ts';
import { MemoryTokenMeter } from './memory-token-meter.ts';
import { ManualClock } from './quota-clock.ts';
import { QuotaEnforcer } from './quota-enforcer.ts';
import { parseQuotaPolicy, type QuotaPolicyInput } from './quota-policy.ts';

function enforcerFor(input: QuotaPolicyInput) {
  const clock = new ManualClock();
  const policy = parseQuotaPolicy(input);
  const concurrency = new MemoryConcurrencyLimiter();
  const enforcer = new QuotaEnforcer({
    policy,
    rateLimiter: new MemoryRateLimiter({ clock }),
    concurrency,
    tokens: new MemoryTokenMeter({ policy, clock }),
  });
  return { clock, enforcer, concurrency };
}

async function refusal(promise: Promise<unknown>): Promise<QuotaExceededError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!QuotaExceededError.isInstance(error)) throw new Error('expected a QuotaExceededError');
  return error;
}

describe('QuotaEnforcer', () => {
  test('requests per minute: 429 RATE_LIMITED with headers, then admitted after refill', async () => {
    const { enforcer, clock } = enforcerFor({ keys: { k1: { requestsPerMinute: 2 } } });
    const first = await enforcer.admitGeneration({ tenant: 'acme', keyId: 'k1' });
    expect(first.headers).toMatchObject({ 'RateLimit-Limit': '2', 'RateLimit-Remaining': '1' });
    first.lease.release();
    (await enforcer.admitGeneration({ tenant: 'acme', keyId: 'k1' })).lease.release();
    const error = await refusal(enforcer.admitGeneration({ tenant: 'acme', keyId: 'k1' }));
    expect(error.code).toBe('SLUICE_ERR_RATE_LIMITED');
    expect(error.decision.scope).toBe('key');
    expect(error.headers).toMatchObject({ 'Retry-After': '30', 'RateLimit-Remaining': '0' });
    clock.advance(30_000);
    await expect(enforcer.admitGeneration({ tenant: 'acme', keyId: 'k1' })).resolves.toBeDefined();
  });

  test('concurrent generations: a slot comes back when the lease is released', async () => {
    const { enforcer } = enforcerFor({ tenants: { acme: { concurrentGenerations: 1 } } });
    const running = await enforcer.admitGeneration({ tenant: 'acme' });
    const error = await refusal(enforcer.admitGeneration({ tenant: 'acme' }));
    expect(error.code).toBe('SLUICE_ERR_TOO_MANY_CONCURRENT');
    expect(error.headers['Retry-After']).toBe('1');
    running.lease.release();
    await expect(enforcer.admitGeneration({ tenant: 'acme' })).resolves.toBeDefined();
  });

  test('a request refused by its rate holds no concurrency slot', async () => {
    const { enforcer, concurrency } = enforcerFor({
      tenants: { acme: { requestsPerMinute: 1, concurrentGenerations: 5 } },
    });
    await enforcer.admitGeneration({ tenant: 'acme' });
    await refusal(enforcer.admitGeneration({ tenant: 'acme' }));
    expect(
      await concurrency.inUse({ name: 'concurrent-generations', scope: 'tenant', id: 'acme' }),
    ).toBe(1);
  });

  test('a request refused for concurrency spends no request from the minute', async () => {
    const { enforcer } = enforcerFor({
      tenants: { acme: { requestsPerMinute: 2, concurrentGenerations: 1 } },
    });
    const running = await enforcer.admitGeneration({ tenant: 'acme' });
    await refusal(enforcer.admitGeneration({ tenant: 'acme' }));
    running.lease.release();
    const admitted = await enforcer.admitGeneration({ tenant: 'acme' });
    expect(admitted.headers['RateLimit-Remaining']).toBe('0');
  });

  test('an exhausted token budget refuses new generations with QUOTA_EXCEEDED', async () => {
    const { enforcer } = enforcerFor({ tenants: { acme: { tokensPerMinute: 3 } } });
    const budget = await enforcer.openTokenBudget({ tenant: 'acme' });
    budget.consume(3);
    budget.release();
    const error = await refusal(enforcer.admitGeneration({ tenant: 'acme' }));
    expect(error.code).toBe('SLUICE_ERR_QUOTA_EXCEEDED');
    expect(error.headers).toMatchObject({ 'Retry-After': '20', 'RateLimit-Limit': '3' });
  });

  test('streams: per key and per client address, all or nothing', async () => {
    const { enforcer } = enforcerFor({
      keys: { default: { concurrentStreams: 2 } },
      perClientIp: { concurrentStreams: 1 },
    });
    const first = await enforcer.admitStream({
      tenant: 'acme',
      keyId: 'k1',
      clientIp: '192.0.2.1',
    });
    const sameAddress = await refusal(
      enforcer.admitStream({ tenant: 'acme', keyId: 'k2', clientIp: '192.0.2.1' }),
    );
    expect(sameAddress.decision.scope).toBe('client-ip');
    expect(sameAddress.message).not.toContain('192.0.2.1');
    await enforcer.admitStream({ tenant: 'acme', keyId: 'k1', clientIp: '192.0.2.2' });
    const sameKey = await refusal(
      enforcer.admitStream({ tenant: 'acme', keyId: 'k1', clientIp: '192.0.2.3' }),
    );
    expect(sameKey.decision).toMatchObject({ scope: 'key', name: 'concurrent-streams' });
    first.release();
    await expect(
      enforcer.admitStream({ tenant: 'acme', keyId: 'k1', clientIp: '192.0.2.3' }),
    ).resolves.toBeDefined();
  });

  test("one tenant at its limits leaves another tenant's admissions alone", async () => {
    const { enforcer } = enforcerFor({
      tenants: { default: { requestsPerMinute: 1, concurrentGenerations: 1 } },
    });
    await enforcer.admitGeneration({ tenant: 'noisy' });
    await refusal(enforcer.admitGeneration({ tenant: 'noisy' }));
    await expect(enforcer.admitGeneration({ tenant: 'quiet' })).resolves.toBeDefined();
  });

  test('an empty policy admits everything without headers', async () => {
    const { enforcer } = enforcerFor({});
    for (let index = 0; index < 100; index += 1) {
      const admission = await enforcer.admitGeneration({ tenant: 'acme', keyId: 'k1' });
      expect(admission.headers).toEqual({});
      await enforcer.admitStream({ keyId: 'k1', clientIp: '192.0.2.1' });
    }
  });
});
