/**
 * `npm run bench:known-timings`: does `sluice bench` measure what really happened? It runs
 * the command in-process against a local upstream with known timings (request n, by
 * arrival, gets its first token after 50 + 100n ms, then a token every 25 ms) and checks
 * every reported figure against the known value. A timer fires at most about a millisecond
 * early and reading adds a little jitter, while lateness is only bounded by scheduling, so
 * a figure passes within [known - 5 ms, known + 60 ms]. Known TTFTs are 100 ms apart, so a
 * rank mix-up would still show.
 *
 * This is a measurement, so it lives here and not in `npm test`: on a loaded machine it
 * may miss, and it says by how much. Exit code 0 when every figure is within bounds.
 *
 * Usage: node bench/known-timings.ts
 */

import type { BenchReport } from '../packages/gateway/src/cli/bench/bench-report.ts';
import { captureOutput } from '../packages/gateway/src/cli/bench/capture-output.ts';
import {
  startTimedOpenAiUpstream,
  type TimedUpstream,
} from '../packages/gateway/src/cli/bench/timed-openai-upstream.ts';
import { runBench } from '../packages/gateway/src/cli/bench-command.ts';

const REQUESTS = 10;
const TOKENS = 6;
const INTERVAL_MS = 25;
const FIRST_TOKEN_MS = Array.from({ length: REQUESTS }, (_, index) => 50 + 100 * index);
const EARLY_MS = 5;
const LATE_MS = 60;
/** What follows the first token: the remaining gaps. */
const TAIL_MS = (TOKENS - 1) * INTERVAL_MS;

async function bench(upstream: TimedUpstream): Promise<BenchReport> {
  const output = captureOutput();
  const code = await runBench(
    [
      ...['--url', upstream.baseUrl, '--model', 'timed'],
      ...['--requests', String(REQUESTS), '--concurrency', String(REQUESTS)],
      ...['--max-tokens', String(TOKENS), '--json'],
    ],
    output,
  );
  const { stdout, stderr } = output.text();
  if (code !== 0) throw new Error(`sluice bench exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as BenchReport;
}

/** Each reported figure with the value the upstream's timings make it. */
function expectations(report: BenchReport): Array<[string, number, number]> {
  const ttft = report.timeToFirstTokenMs;
  const itl = report.interTokenLatencyMs;
  const tpot = report.timePerOutputTokenMs;
  const e2e = report.endToEndLatencyMs;
  // Sorted known TTFTs 50, 150, …, 950: p50 is rank 5, p90 rank 9, p99 rank 10.
  return [
    ['TTFT p50', ttft.p50, 450],
    ['TTFT p90', ttft.p90, 850],
    ['TTFT p99', ttft.p99, 950],
    ['TTFT max', ttft.max, 950],
    ['TTFT mean', ttft.mean, 500],
    ['ITL p50', itl.p50, INTERVAL_MS],
    ['ITL p90', itl.p90, INTERVAL_MS],
    ['TPOT p50', tpot.p50, INTERVAL_MS],
    ['TPOT max', tpot.max, INTERVAL_MS],
    ['E2E p50', e2e.p50, 450 + TAIL_MS],
    ['E2E p90', e2e.p90, 850 + TAIL_MS],
    ['E2E max', e2e.max, 950 + TAIL_MS],
    // All requests start together, so the run lasts as long as the slowest one.
    ['run duration', report.durationSeconds * 1000, 950 + TAIL_MS],
  ];
}

async function main(): Promise<number> {
  // Client and upstream share this process: a first run compiles both sides' code paths,
  // which would otherwise add tens of milliseconds to the measured one.
  const warmUp = await startTimedOpenAiUpstream({
    timeToFirstTokenMs: [1],
    intervalMs: 1,
    tokens: 3,
  });
  await bench(warmUp).finally(() => warmUp.close());

  const upstream = await startTimedOpenAiUpstream({
    timeToFirstTokenMs: FIRST_TOKEN_MS,
    intervalMs: INTERVAL_MS,
    tokens: TOKENS,
  });
  let report: BenchReport;
  try {
    report = await bench(upstream);
  } finally {
    await upstream.close();
  }

  let misses = 0;
  console.log('figure          measured   known   off by');
  for (const [name, measured, known] of expectations(report)) {
    const within = measured >= known - EARLY_MS && measured <= known + LATE_MS;
    if (!within) misses += 1;
    const offBy = measured - known;
    console.log(
      `${name.padEnd(14)} ${measured.toFixed(1).padStart(9)} ${String(known).padStart(7)} ` +
        `${`${offBy >= 0 ? '+' : ''}${offBy.toFixed(1)}`.padStart(8)}${within ? '' : '  OUT OF BOUNDS'}`,
    );
  }
  console.log(
    misses === 0
      ? `every figure within [known - ${EARLY_MS} ms, known + ${LATE_MS} ms]`
      : `${misses} figure(s) outside [known - ${EARLY_MS} ms, known + ${LATE_MS} ms]`,
  );
  return misses === 0 ? 0 : 1;
}

process.exitCode = await main();
