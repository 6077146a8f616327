/**
 * Turns a bench session into Markdown: the machine and parameters, one side-by-side
 * table per concurrency (direct vs Sluice vs nginx, text and tool-call answers side by
 * side when both ran), and a plain verdict on each ARCHITECTURE.md budget (judged on
 * text answers). `--write` (or `--append`) puts it between markers in BENCHMARKS.md,
 * leaving the hand-written text around it untouched.
 */
import type { AnswerKind } from './answer-kinds.ts';
import type { MachineInfo } from './machine-info.ts';
import type { ProfileSummary } from './profile-summary.ts';
import type { ScenarioResult } from './run-scenario.ts';
import { type TargetName, targetLabel } from './targets.ts';
import { TOOL_CALLS_PER_ANSWER } from './tool-call-frames.ts';

export const SECTION_START = '<!-- bench:generated:start -->';
export const SECTION_END = '<!-- bench:generated:end -->';

/** Added-TTFT budgets at 1,000 concurrent streams, in ms. */
const ADDED_TTFT_P50_BUDGET_MS = 0.5;
const ADDED_TTFT_P99_BUDGET_MS = 2;
const BUDGET_CONCURRENCY = 1000;
const NGINX_CPU_RATIO_BUDGET = 2;

export interface SessionSettings {
  ttftMs: number;
  tokenIntervalMs: number;
  tokens: number;
  answers: AnswerKind[];
  warmupSeconds: number;
  durationSeconds: number;
  maxRequests: number | undefined;
  profiled: boolean;
}

export interface ProfileReport {
  label: string;
  file: string;
  summary: ProfileSummary;
}

export interface BenchSession {
  command: string;
  machine: MachineInfo;
  settings: SessionSettings;
  results: ScenarioResult[];
  profiles: ProfileReport[];
  notes: string[];
}

const milliseconds = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '—');
const signed = (value: number) =>
  Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(2)}` : '—';
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
// Through IPC (JSON) an empty distribution's NaN arrives as null.
const count = (value: number | null) =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : '—';

function row(label: string, cells: string[]): string {
  return `| ${label} | ${cells.join(' | ')} |`;
}

function coreShare(seconds: number | undefined, result: ScenarioResult): string {
  if (seconds === undefined) return '—';
  return `${((seconds / result.load.measuredSeconds) * 100).toFixed(0)}%`;
}

function levelTable(results: ScenarioResult[]): string {
  // Each result is compared with direct and nginx giving the same kind of answer.
  const baseline = (result: ScenarioResult, target: TargetName) =>
    results.find((other) => other.target === target && other.answer === result.answer);
  const added = (result: ScenarioResult, pick: 'p50' | 'p99') => {
    const direct = baseline(result, 'direct');
    return direct === undefined || result.target === 'direct'
      ? '—'
      : signed(result.load.timeToFirstTokenMs[pick] - direct.load.timeToFirstTokenMs[pick]);
  };
  const versusNginx = (result: ScenarioResult) => {
    const nginx = baseline(result, 'nginx');
    return nginx?.proxyCpuPerMillionTokens === undefined ||
      result.proxyCpuPerMillionTokens === undefined ||
      result.target === 'nginx'
      ? '—'
      : `${(result.proxyCpuPerMillionTokens / nginx.proxyCpuPerMillionTokens).toFixed(2)}×`;
  };
  const onlyText = results.every((result) => result.answer === 'text');
  const lines = [
    row(
      'metric',
      results.map((result) => targetLabel(result.target, result.variant, result.answer)),
    ),
    row(
      '---',
      results.map(() => '---:'),
    ),
    row(
      'requests completed (errors)',
      results.map(
        (result) => `${thousands(result.load.requestsCompleted)} (${result.load.errors})`,
      ),
    ),
    row(
      'TTFT p50 / p99 (ms)',
      results.map(
        (result) =>
          `${milliseconds(result.load.timeToFirstTokenMs.p50)} / ${milliseconds(result.load.timeToFirstTokenMs.p99)}`,
      ),
    ),
    row(
      '**added TTFT p50 / p99 (ms)**',
      results.map((result) => `${added(result, 'p50')} / ${added(result, 'p99')}`),
    ),
    row(
      'TTFT max (ms)',
      results.map((result) => milliseconds(result.load.timeToFirstTokenMs.max)),
    ),
    row(
      'inter-token (delta) gap p50 / p99 (ms)',
      results.map(
        (result) =>
          `${milliseconds(result.load.interTokenMs.p50)} / ${milliseconds(result.load.interTokenMs.p99)}`,
      ),
    ),
    row(
      onlyText
        ? 'text deltas per answer p50 (min)'
        : 'text or argument deltas per answer p50 (min)',
      results.map(
        (result) =>
          `${count(result.load.deltasPerRequest.p50)} (${count(result.load.deltasPerRequest.min)})`,
      ),
    ),
    row(
      'end-to-end p50 / p99 (ms)',
      results.map(
        (result) =>
          `${milliseconds(result.load.endToEndMs.p50)} / ${milliseconds(result.load.endToEndMs.p99)}`,
      ),
    ),
    row(
      'tokens/s relayed',
      results.map((result) => thousands(result.load.tokensPerSecond)),
    ),
    row(
      'proxy CPU (share of one core)',
      results.map((result) => coreShare(result.cpuSeconds.proxy, result)),
    ),
    row(
      '**proxy CPU s per 1M tokens**',
      results.map((result) =>
        result.proxyCpuPerMillionTokens === undefined
          ? '—'
          : result.proxyCpuPerMillionTokens.toFixed(2),
      ),
    ),
    row(
      'of which kernel (system calls, loopback TCP)',
      results.map((result) =>
        result.proxyCpuPerMillionTokens === undefined ||
        result.cpuSeconds.proxyKernel === undefined ||
        result.cpuSeconds.proxy === undefined ||
        result.cpuSeconds.proxy === 0
          ? '—'
          : `${((result.cpuSeconds.proxyKernel / result.cpuSeconds.proxy) * 100).toFixed(0)}%`,
      ),
    ),
    row('proxy CPU vs nginx', results.map(versusNginx)),
    row(
      'proxy RSS idle → loaded (peak)',
      results.map((result) =>
        result.proxyMemoryIdle === undefined || result.proxyMemoryLoaded === undefined
          ? '—'
          : `${megabytes(result.proxyMemoryIdle.residentBytes)} → ${megabytes(result.proxyMemoryLoaded.residentBytes)} (${megabytes(result.proxyMemoryLoaded.peakResidentBytes)})`,
      ),
    ),
    row(
      'upstream / client CPU (share of one core)',
      results.map(
        (result) =>
          `${result.target === 'simulator' ? '—' : coreShare(result.cpuSeconds.upstream, result)} / ${coreShare(result.cpuSeconds.client, result)}`,
      ),
    ),
    row(
      'other CPU on the box (share of one core)',
      results.map((result) => coreShare(otherSeconds(result), result)),
    ),
  ];
  return lines.join('\n');
}

/** Machine busy time not spent by the bench's processes: other work, and kernel time not charged to a process. */
function otherSeconds(result: ScenarioResult): number {
  const { cpuSeconds } = result;
  const bench =
    (cpuSeconds.proxy ?? 0) + cpuSeconds.upstream + cpuSeconds.client + cpuSeconds.coordinator;
  return Math.max(0, cpuSeconds.machine - bench);
}

function verdict(met: boolean): string {
  return met ? '**met**' : '**missed**';
}

function budgetLines(allResults: ScenarioResult[]): string[] {
  // The budgets are about text answers; tool-call answers are reported beside them.
  const results = allResults.filter((result) => result.answer === 'text');
  if (results.length === 0) return ['- Budgets are judged on text answers; this run had none.'];
  const lines: string[] = [];
  const levels = [...new Set(results.map((result) => result.concurrency))];
  const budgetLevel = levels.includes(BUDGET_CONCURRENCY)
    ? BUDGET_CONCURRENCY
    : Math.max(...levels);
  // Budgets are about the default setup; variants are reported beside it, not judged.
  const at = (target: TargetName) =>
    results.find(
      (result) =>
        result.concurrency === budgetLevel &&
        result.target === target &&
        (result.variant ?? 'default') === 'default',
    );
  const direct = at('direct');
  const sluice = at('sluice');
  const nginx = at('nginx');
  const caveat =
    budgetLevel === BUDGET_CONCURRENCY ? '' : ` (measured at ${budgetLevel}, not 1,000)`;
  if (direct && sluice) {
    const p50 = sluice.load.timeToFirstTokenMs.p50 - direct.load.timeToFirstTokenMs.p50;
    const p99 = sluice.load.timeToFirstTokenMs.p99 - direct.load.timeToFirstTokenMs.p99;
    lines.push(
      `- Added TTFT p50 ≤ ${ADDED_TTFT_P50_BUDGET_MS} ms at 1,000 streams${caveat}: ${signed(p50)} ms — ${verdict(p50 <= ADDED_TTFT_P50_BUDGET_MS)}.`,
      `- Added TTFT p99 ≤ ${ADDED_TTFT_P99_BUDGET_MS} ms at 1,000 streams${caveat}: ${signed(p99)} ms — ${verdict(p99 <= ADDED_TTFT_P99_BUDGET_MS)}.`,
    );
  }
  for (const level of levels) {
    const gateway = results.find(
      (result) =>
        result.concurrency === level &&
        result.target === 'sluice' &&
        (result.variant ?? 'default') === 'default',
    );
    const proxy = results.find(
      (result) => result.concurrency === level && result.target === 'nginx',
    );
    if (
      gateway?.proxyCpuPerMillionTokens === undefined ||
      proxy?.proxyCpuPerMillionTokens === undefined
    ) {
      continue;
    }
    const ratio = gateway.proxyCpuPerMillionTokens / proxy.proxyCpuPerMillionTokens;
    lines.push(
      `- Gateway CPU per relayed token within ${NGINX_CPU_RATIO_BUDGET}× of nginx at ${thousands(level)} streams: ${gateway.proxyCpuPerMillionTokens.toFixed(2)} vs ${proxy.proxyCpuPerMillionTokens.toFixed(2)} CPU-s per 1M tokens = ${ratio.toFixed(2)}× — ${verdict(ratio <= NGINX_CPU_RATIO_BUDGET)}.`,
    );
  }
  if (nginx === undefined)
    lines.push('- CPU versus nginx: not measured in this run (no nginx target).');
  return lines;
}

function profileLines(profiles: ProfileReport[]): string[] {
  const lines: string[] = [];
  for (const profile of profiles) {
    lines.push(
      '',
      `Profile of the gateway, ${profile.label} (\`${profile.file}\`), ${profile.summary.busyMs.toFixed(0)} ms busy:`,
      '',
      '| self time | area |',
      '| ---: | --- |',
      ...profile.summary.areas
        .slice(0, 12)
        .map((entry) => `| ${(entry.share * 100).toFixed(1)}% | ${entry.name} |`),
      '',
      '| self time | function |',
      '| ---: | --- |',
      ...profile.summary.functions
        .slice(0, 15)
        .map((entry) => `| ${(entry.share * 100).toFixed(1)}% | \`${entry.name}\` |`),
    );
  }
  return lines;
}

export function renderSession(session: BenchSession): string {
  const { machine, settings } = session;
  const levels = [...new Set(session.results.map((result) => result.concurrency))];
  const lines = [
    `### Run of ${machine.date.slice(0, 10)}`,
    '',
    `Command: \`${session.command}\``,
    '',
    `- Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGibibytes} GiB RAM; Node ${machine.nodeVersion}${machine.nginxVersion ? `; ${machine.nginxVersion}` : ''}.`,
    `- Code: ${machine.commit}; measured ${machine.date}.`,
    `- Upstream: TTFT ${settings.ttftMs} ms, ${settings.tokenIntervalMs} ms between tokens, ${settings.tokens} tokens per answer (usage chunk on).`,
    ...(settings.answers.includes('tool-calls')
      ? [
          `- Tool-call answers: ${TOOL_CALLS_PER_ANSWER} parallel \`write_file\` calls (the request declares the tool) whose JSON arguments stream in ${settings.tokens} fragments in all, one per token slot; for them "tokens" are argument fragments, counted from \`delta.tool_calls[].function.arguments\` (or \`tool-call-delta\` events). Budgets are judged on text answers only.`,
        ]
      : []),
    `- Load: warm-up ${settings.warmupSeconds} s, measured window ${settings.durationSeconds} s${settings.maxRequests === undefined ? '' : ` or ${settings.maxRequests} requests`}; each concurrency level holds C streams in flight over keep-alive connections.`,
    ...(settings.profiled
      ? [
          '- **Profiled run**: the gateway ran under `--cpu-prof`, which slows it; its figures are not budget figures.',
        ]
      : []),
    ...session.notes.map((note) => `- ${note}`),
  ];
  for (const level of levels) {
    lines.push(
      '',
      `#### ${thousands(level)} concurrent streams`,
      '',
      levelTable(session.results.filter((result) => result.concurrency === level)),
    );
    const errors = session.results.filter(
      (result) => result.concurrency === level && result.load.errorSamples.length > 0,
    );
    for (const result of errors) {
      lines.push(
        '',
        `Errors (${targetLabel(result.target, result.variant, result.answer)}): ${result.load.errorSamples.map((sample) => `\`${sample.replaceAll('`', "'").replaceAll('\n', ' ')}\``).join('; ')}`,
      );
    }
  }
  lines.push('', '#### Budgets (ARCHITECTURE.md)', '', ...budgetLines(session.results));
  lines.push(...profileLines(session.profiles));
  return lines.join('\n');
}

/**
 * Puts a run into the generated section of BENCHMARKS.md: replacing what is there, or
 * (`append`) after the runs already in it. Creates the section when it is missing.
 */
export function writeGeneratedSection(markdown: string, section: string, append: boolean): string {
  const start = markdown.indexOf(SECTION_START);
  const end = markdown.indexOf(SECTION_END);
  if (start === -1 || end < start) {
    return `${markdown.trimEnd()}\n\n${SECTION_START}\n\n${section}\n\n${SECTION_END}\n`;
  }
  const existing = markdown.slice(start + SECTION_START.length, end).trim();
  const body = append && existing.length > 0 ? `${existing}\n\n${section}` : section;
  return `${markdown.slice(0, start)}${SECTION_START}\n\n${body}\n\n${SECTION_END}${markdown.slice(end + SECTION_END.length)}`;
}
