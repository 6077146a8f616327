/**
 * Starts the gateway as `sluice serve --config FILE` in a child process, exactly as an
 * operator would run it, with the bench upstream as an `openai-compatible` model.
 * Optionally under `--cpu-prof`, so a profile of the measured load is written on exit.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, spawnTracked, stopChild, waitForHttp } from './child-processes.ts';
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
}

export async function startGatewayProcess(options: GatewayProcessOptions): Promise<RunningProcess> {
  const port = await freePort();
  const configPath = join(options.workDirectory, 'sluice-bench.json');
  const config = {
    host: '127.0.0.1',
    port,
    dataDir: join(options.workDirectory, 'data'),
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
    ],
    { cwd: options.workDirectory, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, 20_000);
  return {
    origin,
    pid: child.pid as number,
    // A clean SIGTERM shutdown is what lets --cpu-prof write its profile.
    stop: () => stopChild(child, 20_000),
  };
}
