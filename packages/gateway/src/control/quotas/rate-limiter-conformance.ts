/**
 * The behavioural suite every `RateLimiter` must pass (memory and Redis). Time is
 * a `ManualClock` the factory hands to the store, so window edges and refill are exact
 * and nothing sleeps; a Redis store passes `clock.now()` into its scripts.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ManualClock } from './quota-clock.ts';
import type { RateLimiter } from './rate-limiter.ts';

const MINUTE = 60_000;

export function runRateLimiterConformance(
  name: string,
  factory: (clock: ManualClock) => Promise<RateLimiter> | RateLimiter,
): void {
  describe(`RateLimiter conformance: ${name}`, () => {
    let clock: ManualClock;
    let limiter: RateLimiter;
    let counter = 0;
    const uniqueSubject = (label: string): string => {
      counter += 1;
      return `conformance:${label}:${Date.now()}:${counter}`;
    };

    beforeEach(async () => {
      clock = new ManualClock(1_000_000);
      limiter = await factory(clock);
    });
    afterEach(async () => {
      await limiter.dispose();
    });

    test('allows the whole limit at once, then denies without spending', async () => {
      const subject = uniqueSubject('burst');
      for (let index = 1; index <= 5; index += 1) {
        const decision = await limiter.tryAcquire(subject, 1, 5, MINUTE);
        expect(decision).toMatchObject({ allowed: true, limit: 5, remaining: 5 - index });
        expect(decision.retryAfterMs).toBe(0);
      }
      const denied = await limiter.tryAcquire(subject, 1, 5, MINUTE);
      expect(denied).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
      expect(denied.retryAfterMs).toBeCloseTo(MINUTE / 5, 3);
      // Denials spend nothing: after one refill interval exactly one more fits.
      await limiter.tryAcquire(subject, 1, 5, MINUTE);
      clock.advance(MINUTE / 5);
      expect((await limiter.tryAcquire(subject, 1, 5, MINUTE)).allowed).toBe(true);
      expect((await limiter.tryAcquire(subject, 1, 5, MINUTE)).allowed).toBe(false);
    });

    test('refills continuously: retryAfterMs is exactly when the cost fits', async () => {
      const subject = uniqueSubject('refill');
      expect((await limiter.tryAcquire(subject, 60, 60, MINUTE)).allowed).toBe(true);
      const denied = await limiter.tryAcquire(subject, 5, 60, MINUTE);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeCloseTo(5_000, 3);
      expect(denied.resetMs).toBeCloseTo(MINUTE, 3);
      clock.advance(4_999);
      expect((await limiter.tryAcquire(subject, 5, 60, MINUTE)).allowed).toBe(false);
      clock.advance(1);
      const allowed = await limiter.tryAcquire(subject, 5, 60, MINUTE);
      expect(allowed).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 0 });
    });

    test('no double burst across a window edge', async () => {
      const subject = uniqueSubject('edge');
      // A whole minute's budget spent just before a fixed-window edge...
      clock.advance(MINUTE - 500);
      expect((await limiter.tryAcquire(subject, 60, 60, MINUTE)).allowed).toBe(true);
      // ...earns back one per second after it, not a fresh 60.
      clock.advance(1_000);
      const after = await limiter.tryAcquire(subject, 1, 60, MINUTE);
      expect(after).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.tryAcquire(subject, 1, 60, MINUTE)).allowed).toBe(false);
      // A full window after the burst, the whole limit is back.
      clock.advance(MINUTE);
      expect(await limiter.tryAcquire(subject, 0, 60, MINUTE)).toMatchObject({
        remaining: 60,
        resetMs: 0,
      });
    });

    test('limits that do not divide the window stay exact', async () => {
      const subject = uniqueSubject('thirds');
      for (let index = 0; index < 3; index += 1) {
        expect((await limiter.tryAcquire(subject, 1, 3, 1_000)).allowed).toBe(true);
      }
      expect((await limiter.tryAcquire(subject, 1, 3, 1_000)).allowed).toBe(false);
      clock.advance(333);
      expect((await limiter.tryAcquire(subject, 1, 3, 1_000)).allowed).toBe(false);
      clock.advance(1);
      expect((await limiter.tryAcquire(subject, 1, 3, 1_000)).allowed).toBe(true);
      clock.advance(10_000);
      expect((await limiter.tryAcquire(subject, 0, 3, 1_000)).remaining).toBe(3);
    });

    test('subjects are independent', async () => {
      const first = uniqueSubject('first');
      const second = uniqueSubject('second');
      expect((await limiter.tryAcquire(first, 2, 2, MINUTE)).allowed).toBe(true);
      expect((await limiter.tryAcquire(first, 1, 2, MINUTE)).allowed).toBe(false);
      expect(await limiter.tryAcquire(second, 2, 2, MINUTE)).toMatchObject({
        allowed: true,
        remaining: 0,
      });
    });

    test('concurrent calls never let more than the limit through', async () => {
      const subject = uniqueSubject('concurrent');
      const decisions = await Promise.all(
        Array.from({ length: 25 }, () => limiter.tryAcquire(subject, 1, 10, MINUTE)),
      );
      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(10);
    });

    test('a cost of 0 reads the budget without spending', async () => {
      const subject = uniqueSubject('peek');
      await limiter.tryAcquire(subject, 3, 10, MINUTE);
      const peek = await limiter.tryAcquire(subject, 0, 10, MINUTE);
      expect(peek).toMatchObject({ allowed: true, remaining: 7 });
      expect(peek.resetMs).toBeCloseTo(18_000, 3);
      expect((await limiter.tryAcquire(subject, 0, 10, MINUTE)).remaining).toBe(7);
    });

    test('a cost above the limit is never allowed and spends nothing', async () => {
      const subject = uniqueSubject('oversized');
      const denied = await limiter.tryAcquire(subject, 11, 10, MINUTE);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect((await limiter.tryAcquire(subject, 0, 10, MINUTE)).remaining).toBe(10);
    });

    test('tryAcquireAll spends on every budget or on none', async () => {
      const tenant = uniqueSubject('tenant');
      const key = uniqueSubject('key');
      const both = [
        { subject: tenant, cost: 1, limit: 5, windowMs: MINUTE },
        { subject: key, cost: 1, limit: 2, windowMs: MINUTE },
      ];
      expect((await limiter.tryAcquireAll(both)).map((decision) => decision.allowed)).toEqual([
        true,
        true,
      ]);
      await limiter.tryAcquireAll(both);
      const denied = await limiter.tryAcquireAll(both);
      expect(denied.map((decision) => decision.allowed)).toEqual([false, false]);
      expect(denied[1]?.retryAfterMs).toBeCloseTo(30_000, 3);
      // The tenant's budget was not charged for the request its key refused.
      expect((await limiter.tryAcquire(tenant, 0, 5, MINUTE)).remaining).toBe(3);
    });

    test('refuses arguments no budget can honour', async () => {
      const subject = uniqueSubject('invalid');
      await expect(limiter.tryAcquire(subject, -1, 5, MINUTE)).rejects.toThrow(RangeError);
      await expect(limiter.tryAcquire(subject, 1, 0, MINUTE)).rejects.toThrow(RangeError);
      await expect(limiter.tryAcquire(subject, 1, 5, 0)).rejects.toThrow(RangeError);
      await expect(limiter.tryAcquire(subject, Number.NaN, 5, MINUTE)).rejects.toThrow(RangeError);
    });
  });
}
