/**
 * Limits on the connections themselves: header size, how long a request may take to
 * arrive, how long a client connection may sit silent, and how long an upstream stream
 * may go without a byte. The schema is the proposed `limits` additions; the helpers turn
 * it into Fastify server options and the upstream settings the HTTP providers take.
 *
 * A silent client connection is closed after `clientIdleMs`. SSE heartbeats and long-poll
 * answers count as traffic, so the idle timeout must be longer than both, or healthy
 * streams would be cut; `idleTimeoutProblems` says so at start.
 */
import { z } from 'zod';

export const connectionLimitsSchema = z
  .object({
    /** Largest request head (request line and headers), in bytes. Node's default. */
    headerBytes: z
      .number()
      .int()
      .min(1024)
      .default(16 * 1024),
    /** Time allowed for a whole request (head and body) to arrive: slow senders go. */
    requestTimeoutMs: z.number().int().positive().default(30_000),
    idleTimeouts: z
      .object({
        /** Silence (no byte either way) after which a client connection is closed. */
        clientMs: z.number().int().positive().default(120_000),
        /** Silence between requests after which a kept-alive connection is closed. */
        keepAliveMs: z.number().int().positive().default(72_000),
        /** Silence from an upstream mid-stream after which the generation fails (504). */
        upstreamMs: z.number().int().positive().default(120_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConnectionLimits = z.output<typeof connectionLimitsSchema>;
export type ConnectionLimitsInput = z.input<typeof connectionLimitsSchema>;

/** The Fastify options that enforce the client-side limits. */
export interface ServerLimitOptions {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: { maxHeaderSize: number };
}

export function serverLimitOptions(limits: ConnectionLimits): ServerLimitOptions {
  return {
    connectionTimeout: limits.idleTimeouts.clientMs,
    keepAliveTimeout: limits.idleTimeouts.keepAliveMs,
    requestTimeout: limits.requestTimeoutMs,
    http: { maxHeaderSize: limits.headerBytes },
  };
}

/** The upstream setting the HTTP providers take (`UpstreamHttpSettings.idleTimeoutMs`). */
export function upstreamIdleSettings(limits: ConnectionLimits): { idleTimeoutMs: number } {
  return { idleTimeoutMs: limits.idleTimeouts.upstreamMs };
}

/** What keeps streams alive, from the `streams` config. */
export interface StreamKeepAlive {
  heartbeatIntervalMs: number;
  longPollTimeoutMs: number;
}

/** Settings that would cut healthy streams, each with its config path; empty when sound. */
export function idleTimeoutProblems(
  limits: ConnectionLimits,
  streams: StreamKeepAlive,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { clientMs } = limits.idleTimeouts;
  if (clientMs <= streams.heartbeatIntervalMs) {
    problems.push({
      path: 'limits.idleTimeouts.clientMs',
      message: 'must be longer than streams.heartbeatIntervalMs, or idle SSE streams are cut',
    });
  }
  if (clientMs <= streams.longPollTimeoutMs) {
    problems.push({
      path: 'limits.idleTimeouts.clientMs',
      message: 'must be longer than streams.longPollTimeoutMs, or long-polls are cut',
    });
  }
  return problems;
}
