/**
 * The contract between the resuming reader and a wire: "open a stream of generation G's
 * events from offset O, until the signal aborts". SSE over `fetch` implements it today
 * (`sse-transport.ts`); a WebSocket transport implements the same interface, so resume,
 * dedupe, backoff and result assembly are written once, above any transport.
 */
import type { GenerationEvent } from '@sluice/protocol';

export const EVENT_TRANSPORT_VERSION = 'sluice-client-transport-v1';

export interface OpenStreamRequest {
  generationId: string;
  /** Deliver the events after this offset (`-1`: from the beginning). */
  offset: string;
  signal: AbortSignal;
}

/** One event of the generation's log and the offset after it (where a resume continues). */
export interface DeliveredEvent {
  offset: string;
  event: GenerationEvent;
}

export interface EventTransport {
  readonly specificationVersion: typeof EVENT_TRANSPORT_VERSION;
  /**
   * Yields the log's events after `offset`, in order, each complete (a message cut
   * mid-way is never yielded). Returns normally when the server ended the stream on
   * purpose (as far as this transport can tell, the log is closed); throws a
   * `TransportError` when the connection failed or was refused, and rethrows the
   * signal's reason when the caller aborted.
   */
  open(request: OpenStreamRequest): AsyncIterable<DeliveredEvent>;
}

const MARKER = Symbol.for('sluice.client.transport-error');

export interface TransportErrorDetails {
  message: string;
  /** Whether reconnecting from the same offset may help (drops, 5xx) or not (4xx). */
  retryable: boolean;
  status?: number | undefined;
  serverCode?: string | undefined;
  /** True when the server's answer is not Sluice's protocol. */
  protocol?: boolean;
  cause?: unknown;
}

/** Why one connection of a transport ended early. */
export class TransportError extends Error {
  readonly [MARKER] = true;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly protocol: boolean;

  constructor(details: TransportErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TransportError';
    this.retryable = details.retryable;
    this.status = details.status;
    this.serverCode = details.serverCode;
    this.protocol = details.protocol ?? false;
  }

  static isInstance(error: unknown): error is TransportError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }
}
