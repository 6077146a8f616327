/**
 * `sluice bench`, run in-process against a local upstream, reports what it measured
 * consistently: every request counted, nearest-rank percentiles that are exactly ranks of
 * the per-request figures, one inter-token gap per token after the first, output tokens
 * from the usage chunk (or counted from text chunks without one), throughput over the run.
 * Whether the figures match known timings is a benchmark's question, not a test's: see
 * `npm run bench:known-timings` (bench/known-timings.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BenchReport } from '../../packages/gateway/src/cli/bench/bench-report.ts';
import { captureOutput } from '../../packages/gateway/src/cli/bench/capture-output.ts';
import {
  startTimedOpenAiUpstream,
  type TimedUpstream,
} from '../../packages/gateway/src/cli/bench/timed-openai-upstream.ts';
import { runBench } from '../../packages/gateway/src/cli/bench-command.ts';

const REQUESTS = 10;
const TOKENS = 6;

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

describe('sluice bench report', () => {
  let upstream: TimedUpstream;
  let result: Awaited<ReturnType<typeof bench>>;

  beforeAll(async () => {
    upstream = await startTimedOpenAiUpstream({
      timeToFirstTokenMs: Array.from({ length: REQUESTS }, (_, index) => 1 + index),
      intervalMs: 1,
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
    for (const line of result.report.perRequest) expect(line.error).toBeNull();
  });

  test('the reported percentiles are exactly the nearest ranks of the per-request figures', () => {
    const sorted = (values: number[]) => [...values].sort((left, right) => left - right);
    const ttft = sorted(
      result.report.perRequest.map((line) => line.timeToFirstTokenMs ?? Number.NaN),
    );
    const e2e = sorted(result.report.perRequest.map((line) => line.endToEndMs));
    expect(result.report.timeToFirstTokenMs.count).toBe(REQUESTS);
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

  test('one inter-token gap per token after the first; one time per output token per request', () => {
    expect(result.report.interTokenLatencyMs.count).toBe(REQUESTS * (TOKENS - 1));
    expect(result.report.timePerOutputTokenMs.count).toBe(REQUESTS);
  });

  test('output tokens come from the usage chunk; throughput is over the run duration', () => {
    const report = result.report;
    expect(report.outputTokensPerRequest).toMatchObject({ p50: TOKENS, max: TOKENS });
    expect(report.outputTokens.total).toBe(REQUESTS * TOKENS);
    expect(report.durationSeconds).toBeGreaterThan(0);
    expect(report.requestThroughput).toBeCloseTo(REQUESTS / report.durationSeconds, 6);
    expect(report.outputTokens.throughput).toBeCloseTo(
      (REQUESTS * TOKENS) / report.durationSeconds,
      6,
    );
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
      timeToFirstTokenMs: [1],
      intervalMs: 1,
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
