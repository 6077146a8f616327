/**
 * The stream log contract. Every response Sluice produces is an append-only, ordered
 * stream addressed by a path; positions are opaque, lexicographically sortable offsets
 * (see @sluice/protocol offsets). Stores implement this interface and pass the shared
 * conformance suite in `stream-store-conformance.ts` (run against memory and Redis).
 *
 * Design notes:
 * - One read primitive: `read` returns what is after an offset, optionally waiting
 *   (without polling) until something arrives, the stream closes, or the signal aborts.
 *   Catch-up, long-poll, SSE and the generation encoders are all built on it.
 * - A message's `offset` is the offset *after* it, so a reader that saves the offset of
 *   the last message it handled resumes with exactly the messages that follow.
 * - Everything the Durable Streams protocol needs to be atomic (idempotent producers,
 *   `Stream-Seq`, close-with-final-append, forks) is decided inside the store, so a
 *   shared store (Redis) can serve any gateway node without extra coordination. So are
 *   per-account budgets (stream count, stored bytes as `stream-budget.ts` counts them):
 *   they hold across nodes, and streams created without one (generation logs) cost no
 *   accounting at all. Stores also pass `stream-store-budget-conformance.ts`.
 */

import { errorGuard, SluiceError } from '../errors/sluice-error.ts';

/**
 * The budget a stream counts against: its account's (a tenant's) number of streams and
 * stored bytes. What counts as stored bytes is the same for every store
 * (`stream-budget.ts`), so a tenant can keep as much whatever the backend.
 */
export interface StreamBudget {
  /** Whose budget; fixed when the stream is created, later appends count against it. */
  readonly account: string;
  /** Most streams the account may hold (deleted ones that forks still hold included). */
  readonly maxStreams: number;
  /** Most stored bytes across the account's streams. */
  readonly maxBytes: number;
}

export interface CreateStreamOptions {
  /**
   * MIME type fixed at creation. `application/json` streams store one JSON value per
   * message. Optional only for forks, which inherit the source's type; plain streams
   * without one are `application/octet-stream`.
   */
  contentType?: string;
  /** Relative time to live in seconds; mutually exclusive with `expiresAt`. */
  ttlSeconds?: number;
  /** Absolute expiry. */
  expiresAt?: Date;
  /** Messages to store at creation (already split into messages for JSON streams). */
  initialMessages?: readonly Uint8Array[];
  /** `initialMessages` is one buffer packing several JSON messages; see `AppendOptions.packedEnds`. */
  initialPackedEnds?: Uint32Array;
  /** Create the stream already closed. */
  closed?: boolean;
  /**
   * Create the stream as a fork: it starts with a prefix of another stream's data, shared
   * with the source rather than copied.
   */
  fork?: ForkOptions;
  /**
   * Count the stream and its bytes against this budget: `StreamCountExceededError` or
   * `StreamBytesExceededError` when it does not fit. Without one the stream is not counted.
   */
  budget?: StreamBudget;
}

export interface ForkOptions {
  /** Path of the stream to fork. */
  sourcePath: string;
  /** Fork point in the source; the source's tail when absent. */
  offset?: string;
  /**
   * Extra units taken from the append that starts at `offset`: bytes for byte streams,
   * messages of the batch for JSON streams. Lets a fork split one append.
   */
  subOffset?: number;
}

export interface StreamInfo {
  path: string;
  contentType: string;
  /** Offset after the last message (the tail); a read from here returns nothing yet. */
  tailOffset: string;
  closed: boolean;
  /** Sliding time to live: every read or write restarts it. */
  ttlSeconds?: number;
  /** Absolute expiry, never extended. */
  expiresAt?: Date;
  createdAt: Date;
}

export interface CreateStreamResult {
  /** false when an identical stream already existed (idempotent create). */
  created: boolean;
  info: StreamInfo;
}

export interface ProducerTuple {
  /** Stable producer identity chosen by the client. */
  id: string;
  /** Bumped by the producer on restart; older epochs are fenced off. */
  epoch: number;
  /** Per-batch sequence within the epoch, starting at 0. */
  seq: number;
}

export interface AppendOptions {
  /**
   * Close the stream after this append (atomically). With no messages this is a
   * close that still goes through producer and sequence checks.
   */
  close?: boolean;
  /** The stream's content type must match (media type, case-insensitive) or `ContentTypeMismatchError`. */
  contentType?: string;
  /** Writer coordination: must sort strictly after the last accepted value, or `StreamSeqConflictError`. */
  streamSeq?: string;
  /** Idempotent producer: retries of an accepted batch are acknowledged without appending. */
  producer?: ProducerTuple;
  /**
   * `messages` is one buffer packing several JSON messages: message `i` ends at
   * `packedEnds[i]` and starts where the one before it ended. A large JSON append then
   * costs one buffer and four bytes per message instead of a buffer view per message.
   */
  packedEnds?: Uint32Array;
  /**
   * Refuse data that would take the stream's account past `maxBytes`
   * (`StreamBytesExceededError`). The bytes count against the account the stream was
   * created with, budget or not; a stream created without one is not counted.
   */
  budget?: StreamBudget;
}

export interface AppendResult {
  /** Offset after the last appended message (the new tail). */
  offset: string;
  /** Offsets after each appended message, in order (empty for a duplicate or a bare close). */
  offsets: string[];
  /** True when the producer tuple was already accepted: nothing was appended. */
  duplicate?: boolean;
  /** The stream is closed after this call. */
  closed?: boolean;
  /** With a producer: its epoch and highest accepted sequence after this call. */
  producer?: { epoch: number; seq: number };
}

export interface StoredMessage {
  /** Offset after this message; resume from it to get what follows. */
  offset: string;
  data: Uint8Array;
}

export interface ReadOptions {
  /** Read what is after this offset; `-1` is the beginning, `now` the current tail. */
  offset: string;
  /**
   * When nothing is available yet, wait until a message arrives, the stream closes or
   * `signal` aborts (then resolve with an empty batch). Without it, return at once.
   */
  wait?: boolean;
  signal?: AbortSignal;
  /** Upper bound on messages returned in one batch (readers loop for the rest). */
  maxMessages?: number;
  /** Upper bound on payload bytes in one batch (at least one message is always returned). */
  maxBytes?: number;
}

export interface ReadBatch {
  messages: StoredMessage[];
  /** Offset to pass to the next read. */
  nextOffset: string;
  /** The reader has seen everything appended so far. */
  upToDate: boolean;
  /** The stream is closed and the reader has seen everything: nothing more will come. */
  closed: boolean;
}

export interface StreamStore {
  readonly specificationVersion: 'v1';
  /**
   * Creates a stream; idempotent when the options match, `StreamConflictError` otherwise
   * (also for a deleted source that forks still hold, or a fork whose type differs from
   * its source). Forks: `StreamNotFoundError` for a missing source, `InvalidOffsetError`
   * for a fork point beyond the source's data. With a budget, `StreamCountExceededError`
   * or `StreamBytesExceededError` when the stream or its initial data does not fit (an
   * idempotent re-create takes nothing).
   */
  create(path: string, options: CreateStreamOptions): Promise<CreateStreamResult>;
  /**
   * Appends messages in order, as one batch. Checks run in this order: producer
   * (`ProducerEpochStaleError`, `ProducerSequenceError`, duplicates succeed with
   * `duplicate: true` even once closed), closed (`StreamClosedError`), content type
   * (`ContentTypeMismatchError`), `Stream-Seq` (`StreamSeqConflictError`), budget
   * (`StreamBytesExceededError`). Also `StreamNotFoundError`, `StreamGoneError`.
   */
  append(
    path: string,
    messages: readonly Uint8Array[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  /**
   * `StreamNotFoundError`, `StreamGoneError`, `InvalidOffsetError` (malformed or beyond
   * the tail). A read that was waiting when the stream was deleted or expired rejects
   * with `StreamNotFoundError`.
   */
  read(path: string, options: ReadOptions): Promise<ReadBatch>;
  /** Metadata without touching the sliding TTL; undefined when absent, `StreamGoneError` when deleted but still held by forks. */
  head(path: string): Promise<StreamInfo | undefined>;
  /** Closes the stream (idempotent); waiting readers wake with `closed: true`. */
  close(path: string): Promise<StreamInfo>;
  /**
   * Deletes the stream; waiting readers wake and later reads get `StreamNotFoundError`.
   * Returns false when there was no such stream. A stream that live forks were made
   * from is only soft-deleted: its path answers `StreamGoneError` until the last fork
   * goes, and cannot be re-created meanwhile.
   */
  delete(path: string): Promise<boolean>;
  /** Releases timers and wakes every waiting reader. */
  dispose(): Promise<void>;
}

/**
 * Base class for store failures. Each carries its catalogue code, so any route answers it
 * the same way; `isInstance` works across module copies (a store may ship as its own
 * package), and routes recognise a store error by its code, never with `instanceof`.
 */
export abstract class StoreError extends SluiceError {
  static override readonly isInstance = errorGuard<StoreError>('StoreError');
}

export class StreamNotFoundError extends StoreError {
  override readonly name = 'StreamNotFoundError';
  static override readonly isInstance = errorGuard<StreamNotFoundError>('StreamNotFoundError');
  readonly code = 'SLUICE_ERR_STREAM_NOT_FOUND' as const;
}
export class StreamConflictError extends StoreError {
  override readonly name = 'StreamConflictError';
  static override readonly isInstance = errorGuard<StreamConflictError>('StreamConflictError');
  readonly code = 'SLUICE_ERR_STREAM_CONFLICT' as const;
}
export class StreamClosedError extends StoreError {
  override readonly name = 'StreamClosedError';
  static override readonly isInstance = errorGuard<StreamClosedError>('StreamClosedError');
  readonly code = 'SLUICE_ERR_STREAM_CLOSED' as const;
  /** The closed stream's final offset, when the store knows it. */
  readonly tailOffset: string | undefined;
  constructor(message = 'The stream is closed', tailOffset?: string) {
    super(message);
    this.tailOffset = tailOffset;
  }
}
export class InvalidOffsetError extends StoreError {
  override readonly name = 'InvalidOffsetError';
  static override readonly isInstance = errorGuard<InvalidOffsetError>('InvalidOffsetError');
  readonly code = 'SLUICE_ERR_INVALID_OFFSET' as const;
}
/** The stream was deleted but forks still hold its data (HTTP 410). */
export class StreamGoneError extends StoreError {
  override readonly name = 'StreamGoneError';
  static override readonly isInstance = errorGuard<StreamGoneError>('StreamGoneError');
  readonly code = 'SLUICE_ERR_STREAM_GONE' as const;
}
export class ContentTypeMismatchError extends StoreError {
  override readonly name = 'ContentTypeMismatchError';
  static override readonly isInstance = errorGuard<ContentTypeMismatchError>(
    'ContentTypeMismatchError',
  );
  readonly code = 'SLUICE_ERR_CONTENT_TYPE_MISMATCH' as const;
}
/** `Stream-Seq` did not sort after the last accepted value. */
export class StreamSeqConflictError extends StoreError {
  override readonly name = 'StreamSeqConflictError';
  static override readonly isInstance =
    errorGuard<StreamSeqConflictError>('StreamSeqConflictError');
  readonly code = 'SLUICE_ERR_STREAM_SEQ_CONFLICT' as const;
}
/** Creating the stream would take its account past `maxStreams` (HTTP 429). */
export class StreamCountExceededError extends StoreError {
  override readonly name = 'StreamCountExceededError';
  static override readonly isInstance = errorGuard<StreamCountExceededError>(
    'StreamCountExceededError',
  );
  readonly code = 'SLUICE_ERR_STREAM_COUNT_EXCEEDED' as const;
  constructor(maxStreams: number) {
    super(`This account may hold at most ${maxStreams} streams; delete some or let them expire`);
  }
}
/** The data would take the stream's account past `maxBytes` (HTTP 413). */
export class StreamBytesExceededError extends StoreError {
  override readonly name = 'StreamBytesExceededError';
  static override readonly isInstance = errorGuard<StreamBytesExceededError>(
    'StreamBytesExceededError',
  );
  readonly code = 'SLUICE_ERR_STREAM_BYTES_EXCEEDED' as const;
  constructor(maxBytes: number) {
    super(`This account's streams may store at most ${maxBytes} bytes; this does not fit`);
  }
}
/** A producer epoch older than the current one (zombie fencing). */
export class ProducerEpochStaleError extends StoreError {
  override readonly name = 'ProducerEpochStaleError';
  static override readonly isInstance =
    errorGuard<ProducerEpochStaleError>('ProducerEpochStaleError');
  readonly code = 'SLUICE_ERR_PRODUCER_EPOCH_STALE' as const;
  readonly currentEpoch: number;
  constructor(currentEpoch: number) {
    super(`Producer epoch is stale; current epoch is ${currentEpoch}`);
    this.currentEpoch = currentEpoch;
  }
}
/**
 * A producer sequence that is neither the next one nor a retry. `expectedSeq` is absent
 * when a new epoch did not start at 0 (a malformed request rather than a gap).
 */
export class ProducerSequenceError extends StoreError {
  override readonly name = 'ProducerSequenceError';
  static override readonly isInstance = errorGuard<ProducerSequenceError>('ProducerSequenceError');
  readonly code = 'SLUICE_ERR_PRODUCER_SEQUENCE_GAP' as const;
  readonly expectedSeq: number | undefined;
  readonly receivedSeq: number;
  constructor(receivedSeq: number, expectedSeq?: number) {
    super(
      expectedSeq === undefined
        ? 'A new producer epoch must start at sequence 0'
        : `Producer sequence gap: expected ${expectedSeq}, received ${receivedSeq}`,
    );
    this.expectedSeq = expectedSeq;
    this.receivedSeq = receivedSeq;
  }
}
