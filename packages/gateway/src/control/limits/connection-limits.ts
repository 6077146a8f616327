/**
 * Limits on the connections themselves: header size, how long a request may take to
 * arrive, how long a client connection may sit silent, and how long an upstream stream
 * may go without a byte. Header size, request and keep-alive timeouts are configured
 * under `http`; the two idle timeouts are the proposed `limits.idleTimeouts`. The helpers
 * turn them into Fastify server options and the upstream setting the HTTP providers take.
 *
 * A silent client connection is closed after `clientMs`. SSE heartbeats and long-poll
 * answers count as traffic, so the idle timeout must be longer than both, or healthy
 * streams would be cut; `idleTimeoutProblems` says so at start.
 */
import { z } from 'zod';

export const idleTimeoutsSchema = z
  .object({
    /** Silence (no byte either way) after which a client connection is closed. */
    clientMs: z.number().int().positive().default(120_000),
    /** Silence from an upstream mid-stream after which the generation fails (504). */
    upstreamMs: z.number().int().positive().default(120_000),
  })
  .strict();

export type IdleTimeouts = z.output<typeof idleTimeoutsSchema>;
export type IdleTimeoutsInput = z.input<typeof idleTimeoutsSchema>;

/** The `http` settings that bound a connection (as in the config's `http` section). */
export interface HttpConnectionSettings {
  maxHeaderBytes: number;
  /** 0 turns the limit off, as in Node. */
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** The Fastify options that enforce the client-side limits. */
export interface ServerLimitOptions {
  connectionTimeout: number;
  keepAliveTimeout: number;
  requestTimeout: number;
  http: { maxHeaderSize: number };
}

export function serverLimitOptions(
  http: HttpConnectionSettings,
  idle: IdleTimeouts,
): ServerLimitOptions {
  return {
    connectionTimeout: idle.clientMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    http: { maxHeaderSize: http.maxHeaderBytes },
  };
}

/** The upstream setting the HTTP providers take (`UpstreamHttpSettings.idleTimeoutMs`). */
export function upstreamIdleSettings(idle: IdleTimeouts): { idleTimeoutMs: number } {
  return { idleTimeoutMs: idle.upstreamMs };
}

/** What keeps streams alive, from the `streams` config. */
export interface StreamKeepAlive {
  heartbeatIntervalMs: number;
  longPollTimeoutMs: number;
}

/** Settings that would cut healthy streams, each with its config path; empty when sound. */
export function idleTimeoutProblems(
  idle: IdleTimeouts,
  streams: StreamKeepAlive,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (idle.clientMs <= streams.heartbeatIntervalMs) {
    problems.push({
      path: 'limits.idleTimeouts.clientMs',
      message: 'must be longer than streams.heartbeatIntervalMs, or idle SSE streams are cut',
    });
  }
  if (idle.clientMs <= streams.longPollTimeoutMs) {
    problems.push({
      path: 'limits.idleTimeouts.clientMs',
      message: 'must be longer than streams.longPollTimeoutMs, or long-polls are cut',
    });
  }
  return problems;
}
