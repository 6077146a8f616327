/**
 * Structured logs with pino: the gateway's logger options (level, redaction of
 * credentials wherever they might appear) and the two records every deployment relies
 * on, one line per request and one per generation end. Both records are built field by
 * field from ids, names, outcomes and timings, so prompt and completion text cannot
 * reach them; redaction is the second line of defence for anything logged elsewhere.
 */
import type { DestinationStream, LoggerOptions } from 'pino';
import type { GenerationSummary } from './generation-summary.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const REDACTED = '[redacted]';

/** Paths pino censors: credential headers and any `apiKey` field, at the depths Sluice logs them. */
export const REDACTED_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'headers["x-api-key"]',
  'headers.cookie',
  'authorization',
  '*.authorization',
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'models[*].apiKey',
  '*.models[*].apiKey',
];

export interface GatewayLoggerOptions {
  level: LogLevel;
  /** Fields on every line (default `{ service: 'sluice' }`). */
  base?: Record<string, unknown>;
  /** Where lines go (default stdout); tests pass a collecting stream. */
  stream?: DestinationStream;
}

/** Only the path of a URL: query strings can carry tokens (`?api_key=`). */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Options for Fastify's `logger` (they are pino options, plus `stream`). Request and
 * response serializers keep only the method, path and status: headers and bodies stay
 * out even when someone logs `{ req }`.
 */
export function gatewayLoggerOptions(
  options: GatewayLoggerOptions,
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level: options.level,
    base: options.base ?? { service: 'sluice' },
    redact: { paths: [...REDACTED_PATHS], censor: REDACTED },
    serializers: {
      req: (request: { method?: string; url?: string; id?: string }) => ({
        method: request.method,
        path: request.url === undefined ? undefined : pathOf(request.url),
        requestId: request.id,
      }),
      res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
    },
    ...(options.stream === undefined ? {} : { stream: options.stream }),
  };
}

/** The logger surface the record helpers need (pino and Fastify loggers both fit). */
export interface RecordLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface RequestRecord {
  requestId: string;
  method: string;
  /** The route template, `unmatched` for a 404 without a route. */
  route: string;
  statusCode: number;
  durationMs: number;
  generationId?: string | undefined;
}

export function logRequest(logger: RecordLogger, record: RequestRecord): void {
  const fields = {
    event: 'request',
    requestId: record.requestId,
    method: record.method,
    route: record.route,
    statusCode: record.statusCode,
    durationMs: roundMs(record.durationMs),
    ...(record.generationId === undefined ? {} : { generationId: record.generationId }),
  };
  if (record.statusCode >= 500) logger.error(fields, 'request failed');
  else logger.info(fields, 'request completed');
}

export function logGenerationEnded(logger: RecordLogger, summary: GenerationSummary): void {
  const redactions =
    summary.redactions === undefined || summary.redactions.size === 0
      ? undefined
      : Object.fromEntries(summary.redactions);
  const fields = {
    event: 'generation-end',
    generationId: summary.id,
    model: summary.model,
    provider: summary.provider,
    ...(summary.tenant === undefined ? {} : { tenant: summary.tenant }),
    outcome: summary.status,
    finishReason: summary.finishReason,
    ...(summary.errorCode === undefined ? {} : { errorCode: summary.errorCode }),
    inputTokens: summary.usage.inputTokens,
    outputTokens: summary.usage.outputTokens,
    timeToFirstTokenMs: summary.timeToFirstTokenMs,
    durationMs: summary.durationMs,
    ...(summary.upstream === undefined
      ? {}
      : {
          upstreamTimeToFirstTokenMs: summary.upstream.timeToFirstTokenMs,
          upstreamDurationMs: summary.upstream.durationMs,
        }),
    ...(redactions === undefined ? {} : { redactions }),
  };
  if (summary.status === 'failed') logger.warn(fields, 'generation failed');
  else logger.info(fields, 'generation ended');
}

function roundMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}
