/**
 * The plain-text table `sluice bench` prints on stdout at the end of a run: what was
 * measured, throughput, one row per latency metric with mean / p50 / p90 / p99 / max,
 * and the failed requests counted by reason.
 */
import type { BenchReport } from './bench-report.ts';
import type { Distribution } from './statistics.ts';

const LABEL_WIDTH = 28;
const COLUMN_WIDTH = 10;

function figure(value: number, decimals = 2): string {
  return Number.isFinite(value) ? value.toFixed(decimals) : '-';
}

function row(label: string, cells: string[]): string {
  return label.padEnd(LABEL_WIDTH) + cells.map((cell) => cell.padStart(COLUMN_WIDTH)).join('');
}

function distributionRow(label: string, distribution: Distribution, decimals = 2): string {
  const { mean, p50, p90, p99, max } = distribution;
  return row(
    label,
    [mean, p50, p90, p99, max].map((value) => figure(value, decimals)),
  );
}

export function renderReportTable(report: BenchReport): string {
  const { settings } = report;
  const pacing =
    settings.rate === null ? 'as fast as possible' : `${settings.rate}/s ${settings.arrival}`;
  const lines = [
    `Target                      ${settings.url} (${settings.api}, model ${settings.model}, ${settings.stream ? 'stream' : 'no stream'})`,
    `Load                        concurrency ${settings.concurrency}, ${pacing}`,
    `Benchmark duration          ${figure(report.durationSeconds)} s${report.interrupted ? ' (interrupted)' : ''}`,
    `Requests                    ${report.requests.sent} sent, ${report.requests.completed} completed, ${report.requests.failed} failed`,
    `Request throughput          ${figure(report.requestThroughput)} requests/s`,
    `Output tokens               ${report.outputTokens.total} (${figure(report.outputTokens.throughput)} tokens/s)`,
    '',
    row('', ['mean', 'p50', 'p90', 'p99', 'max']),
    distributionRow('Time to first token (ms)', report.timeToFirstTokenMs),
    distributionRow('Inter-token latency (ms)', report.interTokenLatencyMs),
    distributionRow('Time per output token (ms)', report.timePerOutputTokenMs),
    distributionRow('End-to-end latency (ms)', report.endToEndLatencyMs),
    distributionRow('Output tokens per request', report.outputTokensPerRequest, 1),
  ];
  const reasons = Object.entries(report.errors).sort((left, right) => right[1] - left[1]);
  if (reasons.length > 0) {
    lines.push('', 'Errors');
    for (const [reason, count] of reasons) lines.push(`  ${String(count).padStart(8)}  ${reason}`);
  }
  return `${lines.join('\n')}\n`;
}
