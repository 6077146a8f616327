import { describe, expect, test } from 'vitest';
import { GenerationStats, percentiles } from './generation-stats.ts';
import type { GenerationSummary } from './generation-summary.ts';

function summary(overrides: Partial<GenerationSummary> = {}): GenerationSummary {
  return {
    id: 'gen_1',
    model: 'simulator',
    provider: 'simulator',
    status: 'finished',
    finishReason: 'stop',
    usage: { inputTokens: 3, outputTokens: 11 },
    timeToFirstTokenMs: 50,
    durationMs: 1050,
    upstream: { timeToFirstTokenMs: 48, durationMs: 1049 },
    ...overrides,
  };
}

describe('percentiles', () => {
  test('nearest rank over exact values, skipping missing samples', () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index);
    values.push(Number.NaN);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(percentiles([7])).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
    expect(percentiles([])).toEqual({ count: 0, p50: null, p90: null, p99: null, max: null });
  });
});

describe('GenerationStats', () => {
  test('summarises time to first token, tokens per second and outcomes', () => {
    const stats = new GenerationStats({ now: () => 1_000_000 });
    stats.generationStarted();
    stats.generationStarted();
    stats.generationStarted();
    stats.readerAttached();
    stats.generationEnded(summary());
    stats.generationEnded(
      summary({ status: 'cancelled', finishReason: 'cancelled', timeToFirstTokenMs: 150 }),
    );
    const snapshot = stats.snapshot();
    expect(snapshot.timeToFirstTokenMs).toMatchObject({ count: 2, p50: 50, max: 150 });
    expect(snapshot.upstreamTimeToFirstTokenMs).toMatchObject({ count: 2, p50: 48 });
    expect(snapshot.addedTimeToFirstTokenMs.p50).toBe(2);
    // (1050 − 50) ms for 10 tokens after the first: 10 tokens per second.
    expect(snapshot.tokensPerSecond.p50).toBeCloseTo(10);
    expect(snapshot.active).toEqual({ generations: 1, readers: 1 });
    expect(snapshot.outcomes).toEqual({ finished: 1, cancelled: 1, failed: 0, interrupted: 0 });
    expect(snapshot.totals).toMatchObject({ started: 3, finished: 1, cancelled: 1 });
  });

  test('forgets generations that ended before the window', () => {
    let now = 0;
    const stats = new GenerationStats({ windowMs: 60_000, now: () => now });
    stats.generationEnded(summary({ timeToFirstTokenMs: 900 }));
    now = 61_000;
    stats.generationEnded(summary({ timeToFirstTokenMs: 30 }));
    const snapshot = stats.snapshot();
    expect(snapshot.window.generations).toBe(1);
    expect(snapshot.timeToFirstTokenMs.max).toBe(30);
    expect(snapshot.totals.finished).toBe(2);
  });

  test('keeps only the most recent generations, whatever the load', () => {
    const stats = new GenerationStats({ capacity: 10, now: () => 0 });
    for (let index = 0; index < 10_000; index += 1) {
      stats.generationEnded(summary({ timeToFirstTokenMs: index }));
    }
    const snapshot = stats.snapshot();
    expect(snapshot.window.generations).toBe(10);
    expect(snapshot.timeToFirstTokenMs).toMatchObject({ count: 10, p50: 9_994, max: 9_999 });
    expect(snapshot.totals.finished).toBe(10_000);
  });

  test('a generation without a first token counts as an outcome but not as a latency', () => {
    const stats = new GenerationStats({ now: () => 0 });
    stats.generationEnded(
      summary({
        status: 'failed',
        finishReason: 'error',
        timeToFirstTokenMs: null,
        usage: { inputTokens: 3, outputTokens: 0 },
        upstream: { timeToFirstTokenMs: null, durationMs: 20 },
      }),
    );
    const snapshot = stats.snapshot();
    expect(snapshot.outcomes.failed).toBe(1);
    expect(snapshot.timeToFirstTokenMs.count).toBe(0);
    expect(snapshot.tokensPerSecond.count).toBe(0);
  });
});
