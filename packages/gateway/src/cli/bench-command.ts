/**
 * `sluice bench`: a load generator for any OpenAI-compatible or Sluice endpoint. Parses the
 * flags, runs the load with a progress display, then prints the table (or `--json`) and
 * writes the optional HTML report. Exit codes: 0 every request succeeded, 1 some failed
 * (an unreachable target included: reported per request, never as a crash), 2 bad flags.
 */
import { writeFile } from 'node:fs/promises';
import { BENCH_HELP, BENCH_USAGE } from './bench/bench-help.ts';
import { BenchUsageError, parseBenchArguments } from './bench/bench-options.ts';
import { buildReport, reportSucceeded } from './bench/bench-report.ts';
import { renderHtmlReport } from './bench/html-report.ts';
import { silentProgress, startProgress } from './bench/progress-display.ts';
import { renderReportTable } from './bench/report-table.ts';
import { runLoad } from './bench/run-load.ts';

export interface BenchOutput {
  stdout: { write(text: string): void };
  stderr: { write(text: string): void; isTTY: boolean };
}

const processOutput: BenchOutput = {
  stdout: { write: (text) => void process.stdout.write(text) },
  stderr: {
    write: (text) => void process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
  },
};

export async function runBench(
  argv: string[],
  output: BenchOutput = processOutput,
): Promise<number> {
  let commandLine: ReturnType<typeof parseBenchArguments>;
  try {
    commandLine = parseBenchArguments(argv);
  } catch (error) {
    if (!BenchUsageError.isInstance(error)) throw error;
    output.stderr.write(`sluice bench: ${error.message}\n\n${BENCH_USAGE}\n`);
    return 2;
  }
  if (commandLine.help) {
    output.stdout.write(`${BENCH_HELP}\n`);
    return 0;
  }
  const { options } = commandLine;
  const progress = options.json
    ? silentProgress()
    : startProgress(output.stderr, { requests: options.requests, durationMs: options.durationMs });
  // Ctrl-C stops the run but still reports what was measured up to then.
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  let run: Awaited<ReturnType<typeof runLoad>>;
  try {
    run = await runLoad(options, {
      signal: interrupt.signal,
      onRequestFinished: (_record, counts) => progress.update(counts),
    });
  } finally {
    process.off('SIGINT', onSignal);
    progress.stop();
  }
  const result = buildReport(options, run);
  output.stdout.write(
    options.json ? `${JSON.stringify(result.report, null, 2)}\n` : renderReportTable(result.report),
  );
  if (options.htmlFile !== undefined) {
    try {
      await writeFile(options.htmlFile, renderHtmlReport(result, new Date()));
      if (!options.json) output.stderr.write(`HTML report written to ${options.htmlFile}\n`);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      output.stderr.write(
        `sluice bench: could not write ${options.htmlFile}${typeof code === 'string' ? ` (${code})` : ''}\n`,
      );
      return 1;
    }
  }
  return reportSucceeded(result.report) ? 0 : 1;
}
