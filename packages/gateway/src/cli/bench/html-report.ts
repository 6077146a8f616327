/**
 * `--html FILE`: one self-contained HTML page with the summary table and inline SVG
 * charts (latency histograms, time to first token over the run). No scripts, no external
 * styles or fonts, so it opens offline and can be attached to an issue as it is.
 */
import type { BenchResult } from './bench-report.ts';
import type { Distribution } from './statistics.ts';
import { escapeHtml, histogramSvg, scatterSvg } from './svg-charts.ts';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1340px; color: #1d2330; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .25rem .8rem; border-bottom: 1px solid #dde2ea; text-align: right; }
th:first-child, td:first-child, .facts td { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
.chart { width: 640px; max-width: 100%; background: #fafbfd; border: 1px solid #dde2ea; }
.chart .title { font-weight: 600; font-size: 13px; } .chart .label { font-size: 12px; fill: #4a5366; }
.chart .tick { font-size: 11px; fill: #4a5366; } .chart .axis { stroke: #8a93a6; }
.chart .bar { fill: #3b6fd4; } .chart .point { fill: #3b6fd4; fill-opacity: .6; } .chart .failed { fill: #d4453b; }
`;

function cell(value: number): string {
  return Number.isFinite(value) ? value.toFixed(2) : '-';
}

function distributionRow(label: string, distribution: Distribution): string {
  const { mean, p50, p90, p99, max, count } = distribution;
  const cells = [mean, p50, p90, p99, max].map((value) => `<td>${cell(value)}</td>`).join('');
  return `<tr><td>${escapeHtml(label)}</td>${cells}<td>${count}</td></tr>`;
}

export function renderHtmlReport(result: BenchResult, generatedAt: Date): string {
  const { report } = result;
  const { settings } = report;
  const successful = report.perRequest.filter((request) => request.error === null);
  const errorRows = Object.entries(report.errors)
    .sort((left, right) => right[1] - left[1])
    .map(([reason, count]) => `<tr><td>${escapeHtml(reason)}</td><td>${count}</td></tr>`)
    .join('');
  const pacing =
    settings.rate === null ? 'as fast as possible' : `${settings.rate}/s ${settings.arrival}`;
  const facts: Array<[string, string]> = [
    ['Target', `${settings.url} (${settings.api}, ${settings.stream ? 'stream' : 'no stream'})`],
    ['Model', settings.model],
    ['Load', `concurrency ${settings.concurrency}, ${pacing}`],
    ['Benchmark duration', `${report.durationSeconds.toFixed(2)} s`],
    [
      'Requests',
      `${report.requests.sent} sent, ${report.requests.completed} completed, ${report.requests.failed} failed`,
    ],
    ['Request throughput', `${report.requestThroughput.toFixed(2)} requests/s`],
    [
      'Output tokens',
      `${report.outputTokens.total} (${report.outputTokens.throughput.toFixed(2)} tokens/s)`,
    ],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sluice bench report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>sluice bench report</h1>
<p>Generated ${escapeHtml(generatedAt.toISOString())}. Percentiles are nearest-rank over successful requests; times in milliseconds.</p>
<table class="facts">${facts.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<h2>Latency</h2>
<table>
<tr><th>metric (ms)</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>samples</th></tr>
${distributionRow('Time to first token', report.timeToFirstTokenMs)}
${distributionRow('Inter-token latency', report.interTokenLatencyMs)}
${distributionRow('Time per output token', report.timePerOutputTokenMs)}
${distributionRow('End-to-end latency', report.endToEndLatencyMs)}
</table>
${errorRows === '' ? '' : `<h2>Errors</h2>\n<table><tr><th>reason</th><th>requests</th></tr>${errorRows}</table>`}
<h2>Charts</h2>
<div class="charts">
${histogramSvg(
  'Time to first token',
  successful.map((request) => request.timeToFirstTokenMs ?? 0),
  'ms',
)}
${histogramSvg('Inter-token latency', result.interTokenSamples, 'ms')}
${histogramSvg(
  'End-to-end latency',
  successful.map((request) => request.endToEndMs),
  'ms',
)}
${scatterSvg(
  'Time to first token over time',
  report.perRequest.map((request) => ({
    x: request.startMs / 1000,
    y: request.timeToFirstTokenMs ?? 0,
    failed: request.error !== null,
  })),
  'request start (s)',
  'time to first token (ms)',
)}
</div>
</body>
</html>
`;
}
