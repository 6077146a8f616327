/**
 * `sluice bench` as a user runs it, in a child process: bad flags get the usage text and
 * exit 2, `--help` defines the metrics, an unreachable target is reported per request
 * with exit 1 (no crash, no stack trace), and `--html` writes a self-contained report.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BenchReport } from '../../packages/gateway/src/cli/bench/bench-report.ts';
import {
  startTimedOpenAiUpstream,
  type TimedUpstream,
} from '../../packages/gateway/src/cli/bench/timed-openai-upstream.ts';
import { sluice } from '../helpers/sluice-cli.ts';

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('sluice bench (child process)', () => {
  test.each([
    [['--model', 'm'], '--url is required'],
    [['--url', 'http://127.0.0.1:1', '--model', 'm', '--concurrency', 'lots'], '--concurrency'],
    [['--url', 'http://127.0.0.1:1', '--model', 'm', '--frobnicate'], "'--frobnicate'"],
    [
      ['--url', 'http://127.0.0.1:1', '--model', 'm', '--requests', '5', '--duration', '1'],
      'not both',
    ],
  ])('bad flags %j get the usage text and exit 2', async (args, problem) => {
    const result = await sluice(['bench', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('Usage: sluice bench --url URL --model MODEL');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('--help defines every metric and the percentile method', async () => {
    const result = await sluice(['bench', '--help']);
    expect(result.code).toBe(0);
    for (const term of [
      'Time to first token (TTFT)',
      'Inter-token latency (ITL)',
      'Time per output token (TPOT)',
      'End-to-end latency (E2E)',
      'Output token throughput',
      'Request throughput',
      'Errors',
      'nearest-rank',
    ]) {
      expect(result.stdout).toContain(term);
    }
  });

  test('an unreachable target gives per-request errors in the JSON report and exit 1', async () => {
    const port = await closedPort();
    const result = await sluice([
      'bench',
      '--url',
      `http://127.0.0.1:${port}`,
      '--model',
      'm',
      '--requests',
      '4',
      '--concurrency',
      '2',
      '--header',
      'Authorization: Bearer sk-do-not-print',
      '--json',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as BenchReport;
    expect(report.requests).toEqual({ sent: 4, completed: 0, failed: 4 });
    expect(report.errors).toEqual({ 'connection refused': 4 });
    expect(report.perRequest.map((line) => line.error)).toEqual(
      Array(4).fill('connection refused'),
    );
    expect(report.timeToFirstTokenMs.count).toBe(0);
    expect(report.settings.headerNames).toEqual(['authorization']);
    expect(result.stdout).not.toContain('sk-do-not-print');
  });

  test('an unreachable target still prints the table, with the errors by reason', async () => {
    const port = await closedPort();
    const result = await sluice([
      'bench',
      '--url',
      `http://127.0.0.1:${port}`,
      '--model',
      'm',
      '--requests',
      '3',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('3 sent, 0 completed, 3 failed');
    expect(result.stdout).toMatch(/\n\s+3 {2}connection refused\n/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  describe('--html', () => {
    let upstream: TimedUpstream;
    let directory: string;

    beforeAll(async () => {
      upstream = await startTimedOpenAiUpstream({
        timeToFirstTokenMs: [5, 10],
        intervalMs: 2,
        tokens: 5,
      });
      directory = mkdtempSync(join(tmpdir(), 'sluice-bench-html-'));
    });

    afterAll(async () => {
      await upstream.close();
      rmSync(directory, { recursive: true, force: true });
    });

    test('writes one self-contained file with the SVG charts', async () => {
      const file = join(directory, 'report.html');
      const result = await sluice([
        'bench',
        '--url',
        upstream.baseUrl,
        '--model',
        'timed',
        '--requests',
        '8',
        '--concurrency',
        '4',
        '--html',
        file,
      ]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Time to first token (ms)');
      expect(result.stdout).toContain('8 sent, 8 completed, 0 failed');
      expect(result.stderr).toContain(`HTML report written to ${file}`);
      const html = readFileSync(file, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html.match(/<svg /g)).toHaveLength(4);
      for (const title of [
        'Time to first token',
        'Inter-token latency',
        'End-to-end latency',
        'Time to first token over time',
      ]) {
        expect(html).toContain(`aria-label="${title}"`);
      }
      // 8 requests: 8 points in the scatter, bars in the histograms.
      expect(html.match(/<circle /g)).toHaveLength(8);
      expect(html).toContain('<rect ');
      // Nothing is fetched when the file is opened.
      expect(html).not.toMatch(/<script|<link|src=|href=|@import|url\(/i);
    });
  });
});
