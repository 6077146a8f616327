/**
 * `sluice bench` flags: parsed strictly with `node:util` `parseArgs`, then checked with zod
 * into one `BenchOptions` value. Anything wrong throws a `BenchUsageError`, which the
 * command turns into the usage text and exit code 2. Messages name the flag at fault but
 * never echo header values, which usually carry API keys.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { ArrivalProcess } from './arrival-schedule.ts';

export type BenchApi = 'openai' | 'sluice';

export interface BenchOptions {
  url: URL;
  api: BenchApi;
  model: string;
  concurrency: number;
  /** Requests per second; undefined sends as fast as the concurrency allows. */
  rate: number | undefined;
  arrival: ArrivalProcess;
  /** Exactly one of `requests` and `durationMs` is set. */
  requests: number | undefined;
  durationMs: number | undefined;
  prompt: string;
  maxTokens: number;
  stream: boolean;
  headers: Record<string, string>;
  /** Merged into every request body (vendor parameters, simulator timings). */
  extraBody: Record<string, unknown>;
  timeoutMs: number;
  json: boolean;
  htmlFile: string | undefined;
  seed: number;
}

export type BenchCommandLine = { help: true } | { help: false; options: BenchOptions };

const BENCH_USAGE_ERROR = Symbol.for('sluice.cli.bench-usage-error');

/** A bad flag: not retryable, the user has to change the command line. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
  readonly [BENCH_USAGE_ERROR] = true;
  readonly retryable = false;

  static isInstance(error: unknown): error is BenchUsageError {
    return typeof error === 'object' && error !== null && BENCH_USAGE_ERROR in error;
  }
}

export const DEFAULT_PROMPT = 'Tell me a long story about a lighthouse keeper.';
export const DEFAULT_REQUESTS = 100;

const integer = (minimum: number, maximum: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(minimum).max(maximum));

const positiveDecimal = (maximum: number) =>
  z
    .string()
    .regex(/^(\d+\.?\d*|\.\d+)$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().positive().max(maximum));

const httpUrl = z.string().transform((text, context) => {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // Reported below with the same message as a wrong scheme.
  }
  context.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
  return z.NEVER;
});

const flagsSchema = z.object({
  url: httpUrl,
  api: z.enum(['openai', 'sluice']).default('openai'),
  model: z.string().min(1, 'must not be empty'),
  concurrency: integer(1, 100_000).default(10),
  rate: positiveDecimal(1_000_000).optional(),
  arrival: z.enum(['poisson', 'constant']).optional(),
  requests: integer(1, 100_000_000).optional(),
  duration: positiveDecimal(7 * 24 * 3600).optional(),
  prompt: z.string().min(1, 'must not be empty').default(DEFAULT_PROMPT),
  'max-tokens': integer(1, 1_000_000).default(128),
  'no-stream': z.boolean().default(false),
  header: z.array(z.string()).default([]),
  'extra-body': z.string().optional(),
  timeout: positiveDecimal(24 * 3600).default(120),
  json: z.boolean().default(false),
  html: z.string().min(1, 'must name a file').optional(),
  seed: integer(0, 2 ** 32 - 1).default(0),
});

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function parseHeader(text: string, index: number): [string, string] {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon).trim();
  if (!HEADER_NAME.test(name)) {
    throw new BenchUsageError(`--header #${index + 1} must look like 'Name: value'`);
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) {
    throw new BenchUsageError(`--header ${name} has a line break or NUL in its value`);
  }
  return [name.toLowerCase(), value];
}

function parseExtraBody(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BenchUsageError('--extra-body must be a JSON object');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BenchUsageError('--extra-body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function readFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        api: { type: 'string' },
        model: { type: 'string' },
        concurrency: { type: 'string' },
        rate: { type: 'string' },
        arrival: { type: 'string' },
        requests: { type: 'string' },
        duration: { type: 'string' },
        prompt: { type: 'string' },
        'max-tokens': { type: 'string' },
        'no-stream': { type: 'boolean' },
        header: { type: 'string', multiple: true },
        'extra-body': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        html: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
}

/** Parses `sluice bench` arguments (without the `bench` word itself). */
export function parseBenchArguments(argv: string[]): BenchCommandLine {
  const { help, ...flags } = readFlags(argv);
  if (help === true) return { help: true };
  if (flags.url === undefined) throw new BenchUsageError('--url is required');
  if (flags.model === undefined) throw new BenchUsageError('--model is required');
  const result = flagsSchema.safeParse(flags);
  if (!result.success) {
    const issue = result.error.issues[0];
    const flag = String(issue?.path[0] ?? 'arguments');
    throw new BenchUsageError(`--${flag} ${issue?.message ?? 'is invalid'}`);
  }
  const values = result.data;
  if (values.requests !== undefined && values.duration !== undefined) {
    throw new BenchUsageError('give --requests or --duration, not both');
  }
  if (values.arrival !== undefined && values.rate === undefined) {
    throw new BenchUsageError('--arrival needs --rate');
  }
  const stream = !values['no-stream'];
  if (!stream && values.api === 'sluice') {
    throw new BenchUsageError('--no-stream works with --api openai only (the native API streams)');
  }
  return {
    help: false,
    options: {
      url: values.url,
      api: values.api,
      model: values.model,
      concurrency: values.concurrency,
      rate: values.rate,
      arrival: values.arrival ?? 'poisson',
      requests: values.duration === undefined ? (values.requests ?? DEFAULT_REQUESTS) : undefined,
      durationMs: values.duration === undefined ? undefined : values.duration * 1000,
      prompt: values.prompt,
      maxTokens: values['max-tokens'],
      stream,
      headers: Object.fromEntries(values.header.map(parseHeader)),
      extraBody: parseExtraBody(values['extra-body']),
      timeoutMs: values.timeout * 1000,
      json: values.json,
      htmlFile: values.html,
      seed: values.seed,
    },
  };
}
