/**
 * One abort signal per live read: it fires when the client goes away, when the server
 * shuts down, or when an optional hold time runs out. Listeners and timers are removed
 * in `dispose`, so the long-lived shutdown signal does not accumulate them.
 */
import type { FastifyReply } from 'fastify';
import { onAbort } from '../../store/abort-listeners.ts';

export interface RequestSignal {
  readonly signal: AbortSignal;
  /** True when the hold time ran out (not a disconnect or shutdown). */
  timedOut(): boolean;
  dispose(): void;
}

export function createRequestSignal(
  reply: FastifyReply,
  shutdown: AbortSignal,
  holdMs?: number,
): RequestSignal {
  const controller = new AbortController();
  let expired = false;
  const abort = (): void => controller.abort();
  const onClose = (): void => {
    // 'close' also fires after a normal end; only an unfinished response means the client left.
    if (!reply.raw.writableFinished) controller.abort();
  };
  const timer =
    holdMs === undefined
      ? undefined
      : setTimeout(() => {
          expired = true;
          controller.abort();
        }, holdMs);
  reply.raw.once('close', onClose);
  // Thousands of live reads share the shutdown signal; one listener serves them all.
  const cancelShutdown = onAbort(shutdown, abort);
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      reply.raw.off('close', onClose);
      cancelShutdown();
    },
  };
}
