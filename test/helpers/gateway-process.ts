/**
 * A gateway as a real `sluice serve` child process, for tests that kill nodes or test
 * the command itself: `spawnSluiceServe` runs it with any arguments; `startGatewayProcess`
 * with a config (written to a temporary file as JSON, which is YAML too) and an
 * environment, resolved once it listens, and killed with any signal.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const node = resolve('node_modules/.bin/node');
const main = resolve('packages/gateway/src/cli/main.ts');

/** `sluice serve ARGS` as a child process, before it is known whether it will listen. */
export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** The address from the "sluice listening" log line; rejects if the process exits first. */
  readonly listening: Promise<string>;
  /** The exit code, or the signal's name. */
  readonly exited: Promise<number | string | null>;
  /** What the process printed so far. */
  output(): { stdout: string; stderr: string };
  /** The complete JSON log lines printed so far (the last may still be arriving). */
  logLines<T = Record<string, unknown>>(): T[];
}

/** Runs `sluice serve` with `args`, JSON logs at `info` and `dataDir` as its data dir. */
export function spawnSluiceServe(
  args: string[],
  options: { dataDir: string; env?: NodeJS.ProcessEnv },
): ServeProcess {
  const child = spawn(node, [main, 'serve', ...args], {
    env: {
      ...process.env,
      ...options.env,
      SLUICE_LOG_LEVEL: 'info',
      SLUICE_DATA_DIR: options.dataDir,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string | null>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? signal)),
  );
  const listening = new Promise<string>((resolveAddress, reject) => {
    const onData = () => {
      const match = /"address":"(http:\/\/[^"]+)"/.exec(stdout);
      if (match?.[1]) {
        child.stdout.off('data', onData);
        resolveAddress(match[1]);
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
  });
  return {
    child,
    listening,
    exited,
    output: () => ({ stdout, stderr }),
    logLines: <T>() =>
      stdout
        .split('\n')
        .slice(0, -1)
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as T),
  };
}

export interface GatewayProcess {
  readonly name: string;
  readonly baseUrl: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code (or the signal's name) once the process ended. */
  readonly exited: Promise<number | string | null>;
  /** What the process printed so far. */
  output(): { stdout: string; stderr: string };
  /** SIGKILL unless another signal is given; resolves once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startGatewayProcess(options: {
  name: string;
  config: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Extra `sluice serve` arguments. */
  args?: string[];
}): Promise<GatewayProcess> {
  const directory = await mkdtemp(join(tmpdir(), `sluice-${options.name}-`));
  const configFile = join(directory, 'sluice.yaml');
  await writeFile(configFile, JSON.stringify(options.config));
  const serve = spawnSluiceServe(
    ['--port', '0', '--host', '127.0.0.1', '--config', configFile, ...(options.args ?? [])],
    { dataDir: directory, ...(options.env === undefined ? {} : { env: options.env }) },
  );
  const { child, exited } = serve;
  void exited.then(() => rm(directory, { recursive: true, force: true }));
  const baseUrl = await serve.listening.catch((error: Error) => {
    throw new Error(`${options.name}: ${error.message}`);
  });
  return {
    name: options.name,
    baseUrl,
    child,
    exited,
    output: serve.output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
