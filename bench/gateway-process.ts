/**
 * Starts the gateway as `sluice serve --config FILE` in a child process, exactly as an
 * operator would run it, with the bench upstream as an `openai-compatible` model.
 * Optionally under `--cpu-prof`, so a profile of the measured load is written on exit.
 * A variant can publish a policy with redaction off, turn tracing on, or require API
 * keys (created with `sluice keys create`, as an operator would) under a quota, or run
 * as `--workers N` (the process measured is the primary; its workers are its children).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, spawnTracked, stopChild, waitForHttp } from './child-processes.ts';
import { NO_REDACTION_POLICY, type VariantSetup } from './gateway-variants.ts';
import type { RunningProcess } from './running-process.ts';

/** The model name clients use for the bench upstream through Sluice. */
export const UPSTREAM_MODEL_NAME = 'bench-upstream';

export interface GatewayProcessOptions {
  repositoryRoot: string;
  /** A scratch directory for the config file, data dir and logs. */
  workDirectory: string;
  upstreamOrigin: string;
  /** Writes a V8 CPU profile into this directory when the gateway exits. */
  profileDirectory?: string | undefined;
  variant?: VariantSetup | undefined;
  /** Where spans go when the variant traces. */
  otlpEndpoint?: string | undefined;
}

export interface GatewayProcess extends RunningProcess {
  /** The bearer key clients send, when the variant requires keys. */
  apiKey: string | undefined;
}

/** Generous enough never to refuse the bench's load: the cost of checking is measured. */
const BENCH_QUOTA = {
  requestsPerMinute: 10_000_000,
  tokensPerMinute: 1_000_000_000,
  concurrentGenerations: 100_000,
  concurrentStreams: 100_000,
};

function createApiKey(repositoryRoot: string, dataDir: string): string {
  const output = execFileSync(
    process.execPath,
    [
      join(repositoryRoot, 'packages/gateway/src/cli/main.ts'),
      'keys',
      'create',
      '--data-dir',
      dataDir,
      '--tenant',
      'bench',
      '--name',
      'bench',
      '--scopes',
      'generate,read',
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return (JSON.parse(output) as { key: string }).key;
}

async function publishNoRedactionPolicy(origin: string): Promise<void> {
  const response = await fetch(`${origin}/v1/policies/default/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(NO_REDACTION_POLICY),
  });
  if (response.status !== 201) {
    throw new Error(
      `publishing the no-redaction policy failed: ${response.status} ${await response.text()}`,
    );
  }
}

/** Until `/metrics` (answered for the whole group) counts `count` workers. */
async function waitForWorkers(origin: string, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(6_000) });
    const text = await response.text();
    if ((text.match(/^sluice_worker_info\{/gm) ?? []).length >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${origin} did not have ${count} workers within ${timeoutMs} ms`);
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const configPath = join(options.workDirectory, `sluice-bench-${port}.json`);
  // A data directory per gateway: a policy or key of one scenario never leaks into the next.
  const dataDir = join(options.workDirectory, `data-${port}`);
  await mkdir(dataDir, { recursive: true });
  const variant = options.variant;
  const apiKey = variant?.keys ? createApiKey(options.repositoryRoot, dataDir) : undefined;
  const config = {
    host: '127.0.0.1',
    port,
    dataDir,
    ...(variant?.keys
      ? { auth: { mode: 'keys' }, limits: { tenants: { default: BENCH_QUOTA } } }
      : {}),
    ...(variant?.tracing
      ? { observability: { tracing: { enabled: true, otlpEndpoint: options.otlpEndpoint } } }
      : {}),
    ...(variant && !variant.metrics ? { observability: { metrics: { enabled: false } } } : {}),
    ...(variant?.redis
      ? {
          store: {
            kind: 'redis',
            url: process.env.SLUICE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
            keyPrefix: `sluice-bench:${port}:`,
          },
        }
      : {}),
    // No request logging exists yet; `warn` keeps the start-up line out of the measure.
    logLevel: 'warn',
    models: [
      {
        name: UPSTREAM_MODEL_NAME,
        provider: 'openai-compatible',
        baseUrl: `${options.upstreamOrigin}/v1`,
        apiKey: 'bench-key',
        upstreamModel: 'bench-model',
      },
    ],
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  const nodeFlags =
    options.profileDirectory === undefined
      ? []
      : ['--cpu-prof', '--cpu-prof-dir', options.profileDirectory];
  const log = createWriteStream(join(options.workDirectory, `gateway-${port}.log`));
  const child = spawnTracked(
    process.execPath,
    [
      ...nodeFlags,
      join(options.repositoryRoot, 'packages/gateway/src/cli/main.ts'),
      'serve',
      '--config',
      configPath,
      ...(variant !== undefined && variant.workers > 1
        ? ['--workers', String(variant.workers)]
        : []),
    ],
    { cwd: options.workDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, 20_000);
  // The first worker answers before the others listen; load starts once all of them do.
  if (variant !== undefined && variant.workers > 1) {
    await waitForWorkers(origin, variant.workers, 20_000);
  }
  if (variant !== undefined && !variant.redaction) await publishNoRedactionPolicy(origin);
  return {
    origin,
    apiKey,
    pid: child.pid as number,
    // A clean SIGTERM shutdown is what lets --cpu-prof write its profile.
    stop: () => stopChild(child, 20_000),
  };
}
