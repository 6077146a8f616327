/**
 * `npm run bench`: the gateway's first benchmark. In one session it runs the same load
 * (same fast upstream, same concurrency) directly against the upstream, through Sluice,
 * and optionally through Sluice's simulator and through nginx, then reports added time
 * to first token, inter-token latency, throughput, and proxy CPU per million tokens.
 * Every child process is stopped when the session ends.
 *
 * Examples:
 *   npm run bench -- --quick
 *   npm run bench -- --concurrency 100,1000 --duration 20 --write
 *   npm run bench -- --concurrency 1000 --targets direct,sluice --profile
 *   npm run bench -- --concurrency 100 --targets direct,nginx,sluice --answer text,tool-calls
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type AnswerKind, parseAnswerKinds } from './answer-kinds.ts';
import {
  type BenchSession,
  type ProfileReport,
  renderSession,
  writeGeneratedSection,
} from './benchmarks-report.ts';
import { killAllChildrenNow, stopAllChildren } from './child-processes.ts';
import type { FastUpstreamSettings } from './fast-upstream.ts';
import { parseVariants, type VariantName } from './gateway-variants.ts';
import { describeMachine } from './machine-info.ts';
import { nginxVersion } from './nginx-process.ts';
import { type OtlpSink, startOtlpSink } from './otlp-sink.ts';
import { formatProfileSummary, readProfile, summarizeProfile } from './profile-summary.ts';
import { runScenario, type ScenarioResult, type SessionContext } from './run-scenario.ts';
import {
  answersToolCalls,
  proxyOf,
  TARGET_NAMES,
  type TargetName,
  targetLabel,
} from './targets.ts';
import { startUpstreamProcess } from './upstream-process.ts';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIRECTORY = join(REPOSITORY_ROOT, 'bench/results');
const BENCHMARKS_FILE = join(REPOSITORY_ROOT, 'BENCHMARKS.md');
/** Lets sockets in TIME_WAIT and timers of the previous scenario settle. */
const PAUSE_BETWEEN_SCENARIOS_MS = 2000;

const USAGE = `Usage: npm run bench -- [options]

  --concurrency LIST        concurrent streams per level (default 100,1000)
  --duration SECONDS        measured window per scenario (default 20)
  --warmup SECONDS          unmeasured warm-up per scenario (default 5)
  --requests N              also end a window after N measured requests
  --targets LIST            of ${TARGET_NAMES.join(', ')}
                            (default direct,sluice,simulator,nginx; nginx when installed,
                            the simulator only when every answer is text)
  --ttft-ms N               upstream time to first token (default 20)
  --token-interval-ms N     upstream gap between tokens (default 10)
  --tokens N                tokens per answer (default 100)
  --answer LIST             what the answers are made of, each run for every target:
                            text (N content tokens) or tool-calls (two parallel
                            write_file calls whose JSON arguments stream in N
                            fragments of about a token each; the request declares the
                            tool; not for the simulator target) (default: text)
  --variants LIST           gateway variants, each run for every gateway target:
                            default, no-redaction (every detector off), no-metrics
                            (metrics off: the observability baseline), tracing (OTLP
                            to a loopback sink), keys (auth.mode keys + quota),
                            readers (+3 fast readers per generation), slow-readers
                            (+3 fast, +2 slow), redis (logs, records and quotas on
                            the loopback Redis), workers2 (the same as redis, served
                            by sluice serve --workers 2; CPU and memory are the
                            primary's and its workers') (default: default)
  --quick                   smoke run: 50 streams, 2 s warm-up, 5 s window, direct,sluice
  --profile                 run the gateway under --cpu-prof and summarise the profiles
  --write                   replace the generated section of BENCHMARKS.md with this run
  --append                  add this run to the generated section of BENCHMARKS.md
  --help`;

interface BenchOptions {
  concurrencies: number[];
  durationSeconds: number;
  warmupSeconds: number;
  maxRequests: number | undefined;
  targets: TargetName[];
  variants: VariantName[];
  answers: AnswerKind[];
  upstream: FastUpstreamSettings;
  profile: boolean;
  write: boolean;
  append: boolean;
}

function positiveNumbers(text: string, flag: string): number[] {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isFinite(value) || value <= 0)) {
    throw new Error(`--${flag} needs positive numbers, got "${text}"`);
  }
  return values;
}

function single(text: string, flag: string): number {
  const [value] = positiveNumbers(text, flag);
  return value as number;
}

function parseOptions(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      concurrency: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      requests: { type: 'string' },
      targets: { type: 'string' },
      variants: { type: 'string', default: 'default' },
      'ttft-ms': { type: 'string', default: '20' },
      'token-interval-ms': { type: 'string', default: '10' },
      tokens: { type: 'string', default: '100' },
      answer: { type: 'string', default: 'text' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      append: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const answers = parseAnswerKinds(values.answer);
  const toolCalls = answers.includes('tool-calls');
  const nginxAvailable = nginxVersion() !== undefined;
  // The simulator's tool calls are not the upstream's: left out of tool-call sessions.
  const defaultTargets = quick
    ? 'direct,sluice'
    : `direct,sluice${toolCalls ? '' : ',simulator'}${nginxAvailable ? ',nginx' : ''}`;
  const targets = (values.targets ?? defaultTargets).split(',').map((name) => name.trim());
  for (const target of targets) {
    if (!(TARGET_NAMES as readonly string[]).includes(target)) {
      throw new Error(`Unknown target "${target}"; choose from ${TARGET_NAMES.join(', ')}`);
    }
    if (toolCalls && !answersToolCalls(target as TargetName)) {
      throw new Error(`--answer tool-calls cannot run on the ${target} target`);
    }
  }
  if (targets.includes('nginx') && !nginxAvailable) {
    throw new Error('nginx is not installed (apt-get install -y nginx-light)');
  }
  return {
    concurrencies: positiveNumbers(
      values.concurrency ?? (quick ? '50' : '100,1000'),
      'concurrency',
    ),
    durationSeconds: single(values.duration ?? (quick ? '5' : '20'), 'duration'),
    warmupSeconds: single(values.warmup ?? (quick ? '2' : '5'), 'warmup'),
    maxRequests: values.requests === undefined ? undefined : single(values.requests, 'requests'),
    targets: targets as TargetName[],
    variants: parseVariants(values.variants),
    answers,
    upstream: {
      ttftMs: Number(values['ttft-ms']),
      tokenIntervalMs: Number(values['token-interval-ms']),
      tokens: single(values.tokens, 'tokens'),
    },
    profile: values.profile,
    write: values.write,
    append: values.append,
  };
}

function progressLine(result: ScenarioResult): string {
  const { load } = result;
  const cpu =
    result.proxyCpuPerMillionTokens === undefined
      ? ''
      : `, proxy ${result.proxyCpuPerMillionTokens.toFixed(2)} CPU-s/1M tokens`;
  return (
    `  ${targetLabel(result.target, result.variant, result.answer).padEnd(40)} ${load.requestsCompleted} done, ${load.errors} errors, ` +
    `TTFT p50 ${load.timeToFirstTokenMs.p50.toFixed(2)} p99 ${load.timeToFirstTokenMs.p99.toFixed(2)} ms, ` +
    `gap p50 ${load.interTokenMs.p50.toFixed(2)} p99 ${load.interTokenMs.p99.toFixed(2)} ms, ` +
    `${Math.round(load.tokensPerSecond)} tokens/s${cpu}, machine busy ${machineShare(result)} of one core\n`
  );
}

function machineShare(result: ScenarioResult): string {
  return `${((result.cpuSeconds.machine / result.load.measuredSeconds) * 100).toFixed(0)}%`;
}

/** Moves the profile a gateway wrote on exit into bench/results and summarises it. */
async function collectProfile(
  directory: string,
  label: string,
): Promise<ProfileReport | undefined> {
  const files = (await readdir(directory)).filter((file) => file.endsWith('.cpuprofile'));
  const file = files[0];
  if (file === undefined) return undefined;
  const destinationDirectory = join(RESULTS_DIRECTORY, 'profiles');
  await mkdir(destinationDirectory, { recursive: true });
  const destination = join(destinationDirectory, `${label.replaceAll(/[^\w-]+/g, '-')}.cpuprofile`);
  await copyFile(join(directory, file), destination);
  const summary = summarizeProfile(readProfile(destination));
  process.stdout.write(`\nProfile ${label}:\n${formatProfileSummary(summary)}\n`);
  return { label, file: destination.slice(REPOSITORY_ROOT.length), summary };
}

async function runSession(options: BenchOptions, command: string): Promise<BenchSession> {
  const workDirectory = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  const results: ScenarioResult[] = [];
  const profiles: ProfileReport[] = [];
  let sink: OtlpSink | undefined;
  try {
    const upstream = await startUpstreamProcess(options.upstream);
    if (options.variants.includes('tracing')) sink = await startOtlpSink();
    const runs = options.answers.flatMap((answer) =>
      options.targets.flatMap((target) =>
        proxyOf(target) === 'gateway'
          ? options.variants.map((variant) => ({ target, variant, answer }))
          : [{ target, variant: 'default' as VariantName, answer }],
      ),
    );
    for (const concurrency of options.concurrencies) {
      process.stdout.write(`${concurrency} concurrent streams:\n`);
      for (const { target, variant, answer } of runs) {
        const profileDirectory =
          options.profile && target !== 'direct' && target !== 'nginx'
            ? join(workDirectory, `profile-${target}-${variant}-${answer}-${concurrency}`)
            : undefined;
        if (profileDirectory !== undefined) await mkdir(profileDirectory, { recursive: true });
        const context: SessionContext = {
          repositoryRoot: REPOSITORY_ROOT,
          workDirectory,
          upstream,
          profileDirectory,
          otlpEndpoint: sink?.endpoint,
        };
        const result = await runScenario(
          target,
          {
            concurrency,
            warmupMs: options.warmupSeconds * 1000,
            durationMs: options.durationSeconds * 1000,
            maxRequests: options.maxRequests,
            upstream: options.upstream,
            variant,
            answer,
          },
          context,
        );
        results.push(result);
        process.stdout.write(progressLine(result));
        if (profileDirectory !== undefined) {
          const profile = await collectProfile(
            profileDirectory,
            `${targetLabel(target, variant, answer)} at ${concurrency} streams`,
          );
          if (profile !== undefined) profiles.push(profile);
        }
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_SCENARIOS_MS));
      }
    }
    await upstream.stop();
    if (sink !== undefined) {
      process.stdout.write(`OTLP sink received ${sink.exports()} exports\n`);
    }
  } finally {
    await sink?.stop();
    await stopAllChildren();
    await rm(workDirectory, { recursive: true, force: true });
  }
  const notes = [
    'Client, upstream and proxy share the same cores, so every figure includes their contention; "direct" pays the same client and upstream costs, which is why added TTFT is the difference of the two.',
  ];
  if (!options.targets.includes('nginx')) notes.push('nginx was not part of this run.');
  return {
    command,
    machine: describeMachine(REPOSITORY_ROOT, nginxVersion()),
    settings: {
      ttftMs: options.upstream.ttftMs,
      tokenIntervalMs: options.upstream.tokenIntervalMs,
      tokens: options.upstream.tokens,
      answers: options.answers,
      warmupSeconds: options.warmupSeconds,
      durationSeconds: options.durationSeconds,
      maxRequests: options.maxRequests,
      profiled: options.profile,
    },
    results,
    profiles,
    notes,
  };
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions | undefined;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
  const session = await runSession(options, command);
  const markdown = renderSession(session);
  process.stdout.write(`\n${markdown}\n`);
  await mkdir(RESULTS_DIRECTORY, { recursive: true });
  const stamp = session.machine.date.replaceAll(/[:.]/g, '-');
  const rawPath = join(RESULTS_DIRECTORY, `${stamp}.json`);
  await writeFile(rawPath, `${JSON.stringify(session, null, 2)}\n`);
  process.stdout.write(`\nRaw results: ${rawPath}\n`);
  if (options.write || options.append) {
    const current = await readFile(BENCHMARKS_FILE, 'utf8').catch(() => '# Benchmarks\n');
    await writeFile(BENCHMARKS_FILE, writeGeneratedSection(current, markdown, options.append));
    process.stdout.write(`Updated ${BENCHMARKS_FILE}\n`);
  }
  return 0;
}

process.once('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAllChildren().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await stopAllChildren();
    process.exitCode = 1;
  },
);
