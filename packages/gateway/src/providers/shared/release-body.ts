/**
 * Gives an upstream response body back to undici when a stream ends. A body read to its
 * natural end is drained so the keep-alive socket can serve the next request; a body we stop
 * reading early (error, consumer break, abort) is destroyed, which closes its socket at once.
 */
import type { UpstreamBody } from './post-event-stream.ts';

/** Beyond this a finished stream's leftovers are not worth reading; the socket is dropped. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** A server that holds the response open after its final event loses the socket after this. */
const DRAIN_TIMEOUT_MS = 5_000;

export function releaseBody(body: UpstreamBody, completed: boolean): void {
  if (body.destroyed || body.readableEnded) return;
  if (!completed) {
    discardBody(body);
    return;
  }
  body
    .dump({ limit: DRAIN_LIMIT_BYTES, signal: AbortSignal.timeout(DRAIN_TIMEOUT_MS) })
    .catch(() => {
      // Draining is an optimisation; the stream's outcome is already decided.
    });
}

/**
 * Destroys a body nobody reads any more. undici emits `RequestAbortedError` on a body
 * destroyed before its end; with no listener that would crash the process, so one is added.
 */
export function discardBody(body: UpstreamBody): void {
  if (body.listenerCount('error') === 0) body.on('error', ignoreError);
  body.destroy();
}

function ignoreError(): void {
  // The stream's outcome is already decided; a late abort error on its body carries nothing.
}
