/**
 * `sluice bench` against a local upstream with known timings: request n (by arrival) gets
 * its first token after 50 + 100n ms, then a token every 25 ms. The reported nearest-rank
 * percentiles must be those known values within what timers allow: a timer fires at most
 * about a millisecond early and reading adds a little jitter, while lateness is only
 * bounded by scheduling, so each figure may sit in [known - 5 ms, known + 60 ms]; the upper
 * bound is loose because this test shares a 2-core machine with other suites. Known TTFTs
 * are 100 ms apart, so a rank mix-up would still show. Independently of timers, the
 * reported percentiles must be exactly the nearest-rank values of the per-request figures.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runBench } from '../bench-command.ts';
import type { BenchReport } from './bench-report.ts';
import { captureOutput } from './capture-output.ts';
import { startTimedOpenAiUpstream, type TimedUpstream } from './timed-openai-upstream.ts';

const REQUESTS = 10;
const TOKENS = 6;
const INTERVAL_MS = 25;
const FIRST_TOKEN_MS = Array.from({ length: REQUESTS }, (_, index) => 50 + 100 * index);
const EARLY_MS = 5;
const LATE_MS = 60;

function expectNear(measured: number, known: number): void {
  expect(measured).toBeGreaterThanOrEqual(known - EARLY_MS);
  expect(measured).toBeLessThanOrEqual(known + LATE_MS);
}

async function bench(upstream: TimedUpstream, extra: string[] = []) {
  const output = captureOutput();
  const code = await runBench(
    [
      '--url',
      upstream.baseUrl,
      '--model',
      'timed',
      '--requests',
      String(REQUESTS),
      '--concurrency',
      String(REQUESTS),
      '--max-tokens',
      String(TOKENS),
      '--json',
      ...extra,
    ],
    output,
  );
  const { stdout, stderr } = output.text();
  return { code, stderr, report: JSON.parse(stdout) as BenchReport };
}

describe('sluice bench on an upstream with known timings', () => {
  let upstream: TimedUpstream;
  let result: Awaited<ReturnType<typeof bench>>;

  beforeAll(async () => {
    // Client and upstream share this process: a first run compiles both sides' code paths,
    // which would otherwise add tens of milliseconds to the measured one.
    const warmUp = await startTimedOpenAiUpstream({
      timeToFirstTokenMs: [1],
      intervalMs: 1,
      tokens: 3,
    });
    await bench(warmUp).finally(() => warmUp.close());
    upstream = await startTimedOpenAiUpstream({
      timeToFirstTokenMs: FIRST_TOKEN_MS,
      intervalMs: INTERVAL_MS,
      tokens: TOKENS,
    });
    result = await bench(upstream);
  });

  afterAll(() => upstream.close());

  test('every request succeeds and nothing but JSON is written', () => {
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.report.requests).toEqual({ sent: REQUESTS, completed: REQUESTS, failed: 0 });
    expect(result.report.errors).toEqual({});
  });

  test('time to first token percentiles are the known nearest-rank values', () => {
    const ttft = result.report.timeToFirstTokenMs;
    expect(ttft.count).toBe(REQUESTS);
    // Sorted known values 50, 150, …, 950: p50 is rank 5, p90 rank 9, p99 rank 10.
    expectNear(ttft.p50, 450);
    expectNear(ttft.p90, 850);
    expectNear(ttft.p99, 950);
    expectNear(ttft.max, 950);
    expectNear(ttft.mean, 500);
  });

  test('the reported percentiles are exactly the nearest ranks of the per-request figures', () => {
    const sorted = (values: number[]) => [...values].sort((left, right) => left - right);
    const ttft = sorted(
      result.report.perRequest.map((line) => line.timeToFirstTokenMs ?? Number.NaN),
    );
    const e2e = sorted(result.report.perRequest.map((line) => line.endToEndMs));
    // Ten samples: p50 is the 5th, p90 the 9th, p99 and max the 10th.
    expect(result.report.timeToFirstTokenMs).toMatchObject({
      p50: ttft[4],
      p90: ttft[8],
      p99: ttft[9],
      max: ttft[9],
    });
    expect(result.report.endToEndLatencyMs).toMatchObject({
      p50: e2e[4],
      p90: e2e[8],
      p99: e2e[9],
      max: e2e[9],
    });
  });

  test('inter-token latency and time per output token are the fixed gap', () => {
    const itl = result.report.interTokenLatencyMs;
    expect(itl.count).toBe(REQUESTS * (TOKENS - 1));
    expectNear(itl.p50, INTERVAL_MS);
    expectNear(itl.p90, INTERVAL_MS);
    const tpot = result.report.timePerOutputTokenMs;
    expect(tpot.count).toBe(REQUESTS);
    expectNear(tpot.p50, INTERVAL_MS);
    expectNear(tpot.max, INTERVAL_MS);
  });

  test('end-to-end latency is first token plus the remaining gaps', () => {
    const e2e = result.report.endToEndLatencyMs;
    const tail = (TOKENS - 1) * INTERVAL_MS;
    expectNear(e2e.p50, 450 + tail);
    expectNear(e2e.p90, 850 + tail);
    expectNear(e2e.max, 950 + tail);
  });

  test('output tokens come from the usage chunk; throughput is over the run duration', () => {
    const report = result.report;
    expect(report.outputTokensPerRequest).toMatchObject({ p50: TOKENS, max: TOKENS });
    expect(report.outputTokens.total).toBe(REQUESTS * TOKENS);
    // All requests start together, so the run lasts as long as the slowest one.
    expectNear(report.durationSeconds * 1000, 950 + (TOKENS - 1) * INTERVAL_MS);
    expect(report.requestThroughput).toBeCloseTo(REQUESTS / report.durationSeconds, 6);
    expect(report.outputTokens.throughput).toBeCloseTo(
      (REQUESTS * TOKENS) / report.durationSeconds,
      6,
    );
    for (const line of report.perRequest) expect(line.error).toBeNull();
  });

  test('the request asked for streamed usage with the given limits', () => {
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'timed',
      max_tokens: TOKENS,
      stream: true,
      stream_options: { include_usage: true },
    });
  });
});

describe('sluice bench without usage in the stream', () => {
  test('counts text chunks as output tokens', async () => {
    const upstream = await startTimedOpenAiUpstream({
      timeToFirstTokenMs: [5],
      intervalMs: 2,
      tokens: 4,
      reportUsage: false,
    });
    try {
      const { code, report } = await bench(upstream, ['--requests', '3', '--concurrency', '1']);
      expect(code).toBe(0);
      expect(report.outputTokens.total).toBe(12);
      expect(report.interTokenLatencyMs.count).toBe(9);
    } finally {
      await upstream.close();
    }
  });
});
