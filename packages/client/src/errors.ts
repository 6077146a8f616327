/**
 * The SDK's one error: `SluiceStreamError`, with a stable `code`, the generation id and the
 * last offset delivered, so an app that gets it can resume later from exactly there
 * (`client.resume(error.generationId, { offset: error.offset })`). Recognise it with
 * `SluiceStreamError.isInstance(error)` rather than `instanceof` (two copies of the SDK in
 * one page would not share a class).
 */

export const SLUICE_STREAM_ERROR_CODES = [
  /** The connection kept failing: the bounded number of consecutive retries ran out. */
  'SLUICE_CLIENT_RETRIES_EXHAUSTED',
  /**
   * Starting a generation could not reach the gateway. Not retried: the request may have
   * started one (`POST /v1/generations` is not idempotent).
   */
  'SLUICE_CLIENT_NETWORK',
  /** The gateway refused the request (a 4xx: unknown generation, bad key, bad input). */
  'SLUICE_CLIENT_REQUEST_REFUSED',
  /** The gateway answered something that is not Sluice's protocol. */
  'SLUICE_CLIENT_PROTOCOL',
  /** The caller aborted (its `AbortSignal`, or `generation.detach()`). */
  'SLUICE_CLIENT_ABORTED',
] as const;
export type SluiceStreamErrorCode = (typeof SLUICE_STREAM_ERROR_CODES)[number];

const MARKER = Symbol.for('sluice.client.stream-error');

export interface SluiceStreamErrorDetails {
  code: SluiceStreamErrorCode;
  message: string;
  /** Undefined only when the generation could not be started. */
  generationId?: string | undefined;
  /** The offset after the last event delivered (`-1`: none). Resume from here. */
  offset: string;
  /** The HTTP status of the answer that ended the stream, when there was one. */
  status?: number | undefined;
  /** The gateway's `SLUICE_ERR_…` code, when it sent one. */
  serverCode?: string | undefined;
  /** Whether resuming later may succeed (a refusal will not; a dropped network may). */
  retryable: boolean;
  cause?: unknown;
}

export class SluiceStreamError extends Error {
  readonly [MARKER] = true;
  readonly code: SluiceStreamErrorCode;
  readonly generationId: string | undefined;
  readonly offset: string;
  readonly status: number | undefined;
  readonly serverCode: string | undefined;
  readonly retryable: boolean;

  constructor(details: SluiceStreamErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'SluiceStreamError';
    this.code = details.code;
    this.generationId = details.generationId;
    this.offset = details.offset;
    this.status = details.status;
    this.serverCode = details.serverCode;
    this.retryable = details.retryable;
  }

  static isInstance(error: unknown): error is SluiceStreamError {
    return typeof error === 'object' && error !== null && MARKER in error;
  }
}
