/**
 * The frame every `sluice` sub-command shares: `help`, usage errors (exit 2 with the
 * usage text), expected failures (exit 1 with a one-line reason, never a stack trace),
 * and cleanup of whatever the command opened, whatever happened.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ConfigError } from '../config/load-config.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function unknownSubcommand(subcommand: string | undefined): UsageError {
  return new UsageError(
    subcommand === undefined ? 'Missing sub-command' : `Unknown sub-command: ${subcommand}`,
  );
}

export interface CommandFrame {
  usage: string;
  /** Runs the sub-command; `onCleanup` registers what must be released at the end. */
  execute(
    subcommand: string | undefined,
    rest: string[],
    onCleanup: (cleanup: () => unknown) => void,
  ): Promise<number>;
  /**
   * Turns an expected error into its output and exit code; `undefined` leaves it to the
   * default (usage errors 2, anything else 1).
   */
  describeError?(error: unknown): { message: string; exitCode: number } | undefined;
  /** Errors that are the caller's mistake besides `UsageError` and `ConfigError`. */
  isUsageError?(error: unknown): boolean;
}

export async function runCommand(argv: string[], frame: CommandFrame): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
    process.stdout.write(`${frame.usage}\n`);
    return 0;
  }
  const cleanups: Array<() => unknown> = [];
  try {
    return await frame.execute(subcommand, rest, (cleanup) => cleanups.push(cleanup));
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      frame.isUsageError?.(error)
    ) {
      process.stderr.write(`${(error as Error).message}\n${frame.usage}\n`);
      return 2;
    }
    const described = frame.describeError?.(error);
    if (described) {
      process.stderr.write(`${described.message}\n`);
      return described.exitCode;
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** Options every governance command takes: where the database is. */
export interface DataDirectoryOptions {
  'data-dir'?: string | undefined;
  config?: string | undefined;
}

/**
 * Parses a sub-command's flags (plus `--data-dir` and `--config`) strictly; an unknown or
 * malformed flag is a usage error.
 */
export function parseCommandOptions<Values extends DataDirectoryOptions>(
  argv: string[],
  options: ParseArgsOptionsConfig,
): Values {
  try {
    return parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, config: { type: 'string' }, ...options },
      strict: true,
    }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The value of a flag the sub-command cannot do without. */
export function requiredOption<Values, Key extends keyof Values & string>(
  values: Values,
  key: Key,
): string {
  const value = values[key];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${key} is required`);
  return value;
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}
