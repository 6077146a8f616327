import { describe, expect, test } from 'vitest';
import { backoffCeilingMs, backoffDelayMs, retryPolicy, sleep } from './backoff.ts';

describe('backoff', () => {
  const policy = retryPolicy({ maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 });

  test('the ceiling doubles per attempt and stops at the maximum', () => {
    expect([1, 2, 3, 4, 5, 40].map((attempt) => backoffCeilingMs(policy, attempt))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  test('full jitter spans zero to the ceiling', () => {
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(200);
    expect(backoffDelayMs(policy, 3, () => 0.999999)).toBe(399);
  });

  test('nonsense settings are clamped', () => {
    expect(retryPolicy({ maxAttempts: 0, initialDelayMs: -5 })).toMatchObject({
      maxAttempts: 1,
      initialDelayMs: 0,
    });
  });

  test('sleep rejects with the reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
  });
});
