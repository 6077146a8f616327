import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitStateChange } from './circuit-breaker.ts';

function breakerWithClock(settings: { failureThreshold?: number; halfOpenProbes?: number } = {}) {
  let now = 1_000;
  const changes: CircuitStateChange[] = [];
  const breaker = new CircuitBreaker('gpt', {
    failureThreshold: settings.failureThreshold ?? 3,
    coolDownMs: 10_000,
    halfOpenProbes: settings.halfOpenProbes ?? 1,
    now: () => now,
  });
  breaker.onStateChange((change) => changes.push(change));
  return {
    breaker,
    changes,
    advance: (milliseconds: number) => {
      now += milliseconds;
    },
  };
}

function fail(breaker: CircuitBreaker, times: number): void {
  for (let index = 0; index < times; index += 1) breaker.tryAcquire()?.failure();
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and a success resets the run of failures', () => {
    const { breaker } = breakerWithClock();
    fail(breaker, 2);
    breaker.tryAcquire()?.success();
    fail(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(2);
  });

  it('opens after N consecutive failures and turns calls away while open', () => {
    const { breaker, changes } = breakerWithClock();
    fail(breaker, 3);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual([{ name: 'gpt', from: 'closed', to: 'open' }]);
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', retryInMs: 10_000, rejected: 1 });
  });

  it('goes half-open after the cool-down and a successful probe closes it', () => {
    const { breaker, changes, advance } = breakerWithClock();
    fail(breaker, 3);
    advance(9_999);
    expect(breaker.state).toBe('open');
    advance(1);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.tryAcquire();
    expect(probe).toBeDefined();
    probe?.success();
    expect(breaker.state).toBe('closed');
    expect(changes.map((change) => change.to)).toEqual(['open', 'half-open', 'closed']);
    expect(breaker.snapshot().consecutiveFailures).toBe(0);
  });

  it('reopens for a full cool-down when the half-open probe fails', () => {
    const { breaker, changes, advance } = breakerWithClock();
    fail(breaker, 3);
    advance(10_000);
    breaker.tryAcquire()?.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.snapshot().retryInMs).toBe(10_000);
    advance(10_000);
    expect(breaker.state).toBe('half-open');
    expect(changes.map((change) => change.to)).toEqual(['open', 'half-open', 'open', 'half-open']);
  });

  it('lets only the configured number of probes through while half-open', () => {
    const { breaker, advance } = breakerWithClock({ halfOpenProbes: 2 });
    fail(breaker, 3);
    advance(10_000);
    const first = breaker.tryAcquire();
    const second = breaker.tryAcquire();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(breaker.tryAcquire()).toBeUndefined();
    expect(breaker.snapshot().probesInFlight).toBe(2);
    // A probe that ends without a verdict (a cancel) frees its slot.
    first?.release();
    expect(breaker.snapshot().probesInFlight).toBe(1);
    expect(breaker.tryAcquire()).toBeDefined();
  });

  it('ignores a late success from a call that started before the circuit opened', () => {
    const { breaker } = breakerWithClock();
    const slow = breaker.tryAcquire();
    fail(breaker, 3);
    slow?.success();
    expect(breaker.state).toBe('open');
  });

  it('counts a mid-stream failure reported after the same call succeeded', () => {
    const { breaker } = breakerWithClock({ failureThreshold: 1 });
    const permit = breaker.tryAcquire();
    permit?.success();
    expect(breaker.state).toBe('closed');
    permit?.failure();
    expect(breaker.state).toBe('open');
  });

  it('keeps routing when a state listener throws', () => {
    const { breaker } = breakerWithClock({ failureThreshold: 1 });
    breaker.onStateChange(() => {
      throw new Error('metrics exporter down');
    });
    fail(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('removes a listener with the function onStateChange returned', () => {
    const { breaker } = breakerWithClock({ failureThreshold: 1 });
    const seen: string[] = [];
    const remove = breaker.onStateChange((change) => seen.push(change.to));
    remove();
    fail(breaker, 1);
    expect(seen).toEqual([]);
  });
});
