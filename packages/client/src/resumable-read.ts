/**
 * Auto-resume over any `EventTransport`: reads a generation's events from an offset and,
 * when a connection drops (network error, a frame cut mid-way, a 5xx, an end before the
 * log closed), reconnects from the offset after the last complete event, with full-jitter
 * exponential backoff and a bounded number of consecutive failed connections (progress
 * resets the count). Offsets only move forward, so no event is delivered twice and none is
 * skipped. Failures end in a `SluiceStreamError` carrying the id and the last offset.
 */
import { backoffDelayMs, type RetryPolicy, sleep } from './backoff.ts';
import { SluiceStreamError, type SluiceStreamErrorCode } from './errors.ts';
import type { DeliveredEvent, EventTransport } from './event-transport.ts';
import { TransportError } from './event-transport.ts';
import { LogClosure } from './log-closure.ts';

export interface ReconnectInfo {
  /** Consecutive failed connections so far (1 for the first retry after progress). */
  attempt: number;
  /** Where the next connection resumes. */
  offset: string;
  /** How long the SDK waits before reconnecting. */
  delayMs: number;
  /** Why the previous connection ended. */
  error: unknown;
}

export interface ResumableReadOptions {
  transport: EventTransport;
  generationId: string;
  /** Deliver the events after this offset. */
  offset: string;
  retry: RetryPolicy;
  signal: AbortSignal;
  onReconnect?: ((info: ReconnectInfo) => void) | undefined;
  /** Injectable randomness for the jitter (tests). */
  random?: (() => number) | undefined;
}

/**
 * Offsets sort lexicographically and strictly increase within a stream (`-1`, the
 * beginning, sorts before every offset the gateway issues).
 */
function isAfter(offset: string, previous: string): boolean {
  return offset > previous;
}

export async function* readWithResume(
  options: ResumableReadOptions,
): AsyncGenerator<DeliveredEvent> {
  const { transport, generationId, retry, signal } = options;
  const closure = new LogClosure();
  let offset = options.offset;
  let failures = 0;
  const fail = (
    code: SluiceStreamErrorCode,
    message: string,
    cause: unknown,
    retryable: boolean,
  ): SluiceStreamError => {
    const transportError = TransportError.isInstance(cause) ? cause : undefined;
    return new SluiceStreamError({
      code,
      message: `${message} (generation ${generationId}, offset ${offset})`,
      generationId,
      offset,
      status: transportError?.status,
      serverCode: transportError?.serverCode,
      retryable,
      cause,
    });
  };

  for (;;) {
    let received = 0;
    let reason: unknown;
    try {
      for await (const delivered of transport.open({ generationId, offset, signal })) {
        // Events parsed from the same chunk must not slip out after the caller aborted.
        if (signal.aborted) throw signal.reason;
        if (!isAfter(delivered.offset, offset)) continue; // a replay: already delivered
        offset = delivered.offset;
        received += 1;
        failures = 0;
        closure.observe(delivered.event);
        yield delivered;
      }
      if (closure.closedAfterCleanEnd(received)) return;
      reason = new TransportError({
        message: 'The stream ended before the generation log closed',
        retryable: true,
      });
    } catch (error) {
      if (signal.aborted) throw fail('SLUICE_CLIENT_ABORTED', 'Reading was aborted', error, true);
      if (!TransportError.isInstance(error) || !error.retryable) {
        const protocol = TransportError.isInstance(error) && error.protocol;
        throw fail(
          protocol ? 'SLUICE_CLIENT_PROTOCOL' : 'SLUICE_CLIENT_REQUEST_REFUSED',
          error instanceof Error ? error.message : 'The stream failed',
          error,
          false,
        );
      }
      reason = error;
    }
    failures += 1;
    if (failures >= retry.maxAttempts) {
      throw fail(
        'SLUICE_CLIENT_RETRIES_EXHAUSTED',
        `The stream failed ${failures} times in a row; resume later from the offset`,
        reason,
        true,
      );
    }
    const delayMs = backoffDelayMs(retry, failures, options.random);
    options.onReconnect?.({ attempt: failures, offset, delayMs, error: reason });
    try {
      await sleep(delayMs, signal);
    } catch (error) {
      throw fail('SLUICE_CLIENT_ABORTED', 'Reading was aborted', error, true);
    }
  }
}
