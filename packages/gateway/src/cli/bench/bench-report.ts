/**
 * Turns the records of a run into the benchmark report: distributions of every latency
 * metric over the successful requests, throughput over the benchmark duration, error
 * counts per reason, and one line per request. This is the `--json` document; the table
 * and the HTML report are renderings of it. It echoes the run's settings but only header
 * names and the prompt's length, never header values or prompt text.
 */
import type { BenchOptions } from './bench-options.ts';
import { displayUrl, endpointUrl } from './bench-request.ts';
import type { LoadRun } from './run-load.ts';
import { type Distribution, SampleBuffer, summarize } from './statistics.ts';

export interface RequestSummary {
  index: number;
  /** When the request was sent, in ms from the start of the run. */
  startMs: number;
  timeToFirstTokenMs: number | null;
  endToEndMs: number;
  outputTokens: number;
  error: string | null;
}

export interface BenchReport {
  settings: {
    url: string;
    api: BenchOptions['api'];
    model: string;
    stream: boolean;
    concurrency: number;
    rate: number | null;
    arrival: BenchOptions['arrival'] | null;
    requests: number | null;
    durationSeconds: number | null;
    maxTokens: number;
    promptCharacters: number;
    headerNames: string[];
    seed: number;
  };
  durationSeconds: number;
  interrupted: boolean;
  requests: { sent: number; completed: number; failed: number };
  requestThroughput: number;
  outputTokens: { total: number; throughput: number };
  timeToFirstTokenMs: Distribution;
  interTokenLatencyMs: Distribution;
  timePerOutputTokenMs: Distribution;
  endToEndLatencyMs: Distribution;
  outputTokensPerRequest: Distribution;
  errors: Record<string, number>;
  perRequest: RequestSummary[];
}

/** The report plus the raw gap samples, which the HTML charts need and JSON leaves out. */
export interface BenchResult {
  report: BenchReport;
  interTokenSamples: Float64Array;
}

export function buildReport(options: BenchOptions, run: LoadRun): BenchResult {
  const timeToFirstToken = new SampleBuffer();
  const interToken = new SampleBuffer();
  const timePerOutputToken = new SampleBuffer();
  const endToEnd = new SampleBuffer();
  const outputTokensPerRequest = new SampleBuffer();
  const errors: Record<string, number> = {};
  let completed = 0;
  let totalOutputTokens = 0;
  for (const record of run.records) {
    if (record.error !== undefined) {
      errors[record.error] = (errors[record.error] ?? 0) + 1;
      continue;
    }
    completed += 1;
    totalOutputTokens += record.outputTokens;
    endToEnd.push(record.endToEndMs);
    outputTokensPerRequest.push(record.outputTokens);
    if (record.timeToFirstTokenMs !== undefined) {
      timeToFirstToken.push(record.timeToFirstTokenMs);
      // Without streaming all tokens arrive together: there is no time per token to see.
      if (options.stream && record.outputTokens > 1) {
        timePerOutputToken.push(
          (record.endToEndMs - record.timeToFirstTokenMs) / (record.outputTokens - 1),
        );
      }
    }
    for (const gap of record.interTokenMs) interToken.push(gap);
  }
  const seconds = run.durationMs / 1000;
  const perSecond = (count: number) => (seconds > 0 ? count / seconds : 0);
  const report: BenchReport = {
    settings: {
      url: displayUrl(endpointUrl(options.url, options.api)),
      api: options.api,
      model: options.model,
      stream: options.stream,
      concurrency: options.concurrency,
      rate: options.rate ?? null,
      arrival: options.rate === undefined ? null : options.arrival,
      requests: options.requests ?? null,
      durationSeconds: options.durationMs === undefined ? null : options.durationMs / 1000,
      maxTokens: options.maxTokens,
      promptCharacters: options.prompt.length,
      headerNames: Object.keys(options.headers),
      seed: options.seed,
    },
    durationSeconds: seconds,
    interrupted: run.interrupted,
    requests: { sent: run.records.length, completed, failed: run.records.length - completed },
    requestThroughput: perSecond(completed),
    outputTokens: { total: totalOutputTokens, throughput: perSecond(totalOutputTokens) },
    timeToFirstTokenMs: summarize(timeToFirstToken.values()),
    interTokenLatencyMs: summarize(interToken.values()),
    timePerOutputTokenMs: summarize(timePerOutputToken.values()),
    endToEndLatencyMs: summarize(endToEnd.values()),
    outputTokensPerRequest: summarize(outputTokensPerRequest.values()),
    errors,
    perRequest: run.records.map((record) => ({
      index: record.index,
      startMs: record.sentAt - run.startedAt,
      timeToFirstTokenMs: record.error === undefined ? (record.timeToFirstTokenMs ?? null) : null,
      endToEndMs: record.endToEndMs,
      outputTokens: record.outputTokens,
      error: record.error ?? null,
    })),
  };
  return { report, interTokenSamples: Float64Array.from(interToken.values()) };
}

/** Whether the run counts as a success for the exit code. */
export function reportSucceeded(report: BenchReport): boolean {
  return report.requests.failed === 0 && !report.interrupted && report.requests.sent > 0;
}
