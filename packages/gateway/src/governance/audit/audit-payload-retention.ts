/**
 * Periodic payload retention: erases audit payloads older than the configured period
 * (skeletons and the chain stay) on a timer that never keeps the process alive. Works on
 * any AuditLog. Stream-content retention belongs to the stream store, not here.
 */
import type { AuditLog } from './audit-log.ts';
import type { AuditPurgeResult } from './audit-record.ts';

const HOUR_MS = 3_600_000;

export interface AuditPayloadRetentionOptions {
  auditLog: AuditLog;
  /** How long a payload is kept after its record was written. */
  retainForMs: number;
  /** How often to purge; default hourly. */
  intervalMs?: number;
  now?: () => Date;
  /** A failed purge is retried at the next tick; report it here (default: ignored). */
  onError?: (error: unknown) => void;
}

export interface AuditPayloadRetention {
  /** Purges now; the timer uses the same path. */
  runOnce(): Promise<AuditPurgeResult>;
  stop(): void;
}

export function startAuditPayloadRetention(
  options: AuditPayloadRetentionOptions,
): AuditPayloadRetention {
  const now = options.now ?? (() => new Date());
  let running: Promise<AuditPurgeResult> | undefined;
  const runOnce = (): Promise<AuditPurgeResult> => {
    // One purge at a time: a slow purge must not pile up behind the timer.
    running ??= options.auditLog
      .purgePayloads(new Date(now().getTime() - options.retainForMs), { actor: 'retention' })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? HOUR_MS);
  timer.unref();
  return {
    runOnce,
    stop: () => clearInterval(timer),
  };
}
