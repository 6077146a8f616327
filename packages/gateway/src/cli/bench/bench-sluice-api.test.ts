/**
 * `sluice bench --api sluice` against a real gateway started in-process: the native
 * `POST /v1/generations` event stream is timed, output tokens come from the
 * `response-finish` usage, and the simulator's configured timings show in the figures.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningGateway, startGateway } from '../../../../../test/helpers/gateway-server.ts';
import { runBench } from '../bench-command.ts';
import type { BenchReport } from './bench-report.ts';
import { captureOutput } from './capture-output.ts';

const REQUESTS = 6;
const TOKENS = 5;
const FIRST_TOKEN_MS = 40;
const INTERVAL_MS = 15;

describe('sluice bench --api sluice', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(() => gateway?.close());

  test('times native generations and reads their usage', async () => {
    const output = captureOutput();
    const code = await runBench(
      [
        '--url',
        gateway.baseUrl,
        '--api',
        'sluice',
        '--model',
        'simulator',
        '--requests',
        String(REQUESTS),
        '--concurrency',
        '3',
        '--max-tokens',
        String(TOKENS),
        '--extra-body',
        JSON.stringify({ simulator: { ttftMs: FIRST_TOKEN_MS, tokenIntervalMs: INTERVAL_MS } }),
        '--json',
      ],
      output,
    );
    const report = JSON.parse(output.text().stdout) as BenchReport;
    expect(code).toBe(0);
    expect(report.settings.url).toBe(`${gateway.baseUrl}/v1/generations`);
    expect(report.requests).toEqual({ sent: REQUESTS, completed: REQUESTS, failed: 0 });
    expect(report.outputTokens.total).toBe(REQUESTS * TOKENS);
    expect(report.timeToFirstTokenMs.count).toBe(REQUESTS);
    // The simulator emits its tokens on a fixed schedule (first after ttftMs, then one per
    // tokenIntervalMs), so no figure can come in under it; the gateway adds only a little.
    expect(report.timeToFirstTokenMs.p50).toBeGreaterThanOrEqual(FIRST_TOKEN_MS - 2);
    expect(report.endToEndLatencyMs.p50).toBeGreaterThanOrEqual(
      FIRST_TOKEN_MS + (TOKENS - 1) * INTERVAL_MS - 2,
    );
    expect(report.interTokenLatencyMs.count).toBeGreaterThan(0);
    expect(report.timePerOutputTokenMs.count).toBe(REQUESTS);
    expect(report.timePerOutputTokenMs.p50).toBeGreaterThan(0);
  });

  test('an unknown model is a per-request status error, not a crash', async () => {
    const output = captureOutput();
    const code = await runBench(
      [
        '--url',
        gateway.baseUrl,
        '--api',
        'sluice',
        '--model',
        'no-such-model',
        '--requests',
        '2',
        '--json',
      ],
      output,
    );
    const report = JSON.parse(output.text().stdout) as BenchReport;
    expect(code).toBe(1);
    expect(report.errors).toEqual({ 'status 404 (SLUICE_ERR_MODEL_NOT_FOUND)': 2 });
  });
});
