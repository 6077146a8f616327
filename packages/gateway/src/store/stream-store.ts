/**
 * The stream log contract. Every response Sluice produces is an append-only, ordered
 * stream addressed by a path; positions are opaque, lexicographically sortable offsets
 * (see @sluice/protocol offsets). Stores implement this interface and pass the shared
 * conformance suite in `stream-store-conformance.ts` — memory now, Redis later.
 *
 * Design notes:
 * - One read primitive: `read` returns what is after an offset, optionally waiting
 *   (without polling) until something arrives, the stream closes, or the signal aborts.
 *   Catch-up, long-poll, SSE and the generation encoders are all built on it.
 * - A message's `offset` is the offset *after* it, so a reader that saves the offset of
 *   the last message it handled resumes with exactly the messages that follow.
 */

export interface CreateStreamOptions {
  /** MIME type fixed at creation. `application/json` streams store one JSON value per message. */
  contentType: string;
  /** Relative time to live in seconds; mutually exclusive with `expiresAt`. */
  ttlSeconds?: number;
  /** Absolute expiry. */
  expiresAt?: Date;
  /** Messages to store at creation (already split into messages for JSON streams). */
  initialMessages?: readonly Uint8Array[];
  /** Create the stream already closed. */
  closed?: boolean;
}

export interface StreamInfo {
  path: string;
  contentType: string;
  /** Offset after the last message (the tail); a read from here returns nothing yet. */
  tailOffset: string;
  closed: boolean;
  ttlSeconds?: number;
  expiresAt?: Date;
  createdAt: Date;
}

export interface CreateStreamResult {
  /** false when an identical stream already existed (idempotent create). */
  created: boolean;
  info: StreamInfo;
}

export interface AppendOptions {
  /** Close the stream after this append (atomically). */
  close?: boolean;
}

export interface AppendResult {
  /** Offset after the last appended message (the new tail). */
  offset: string;
  /** Offsets after each appended message, in order. */
  offsets: string[];
}

export interface StoredMessage {
  /** Offset after this message; resume from it to get what follows. */
  offset: string;
  data: Uint8Array;
}

export interface ReadOptions {
  /** Read what is after this offset; `-1` is the beginning. */
  offset: string;
  /**
   * When nothing is available yet, wait until a message arrives, the stream closes or
   * `signal` aborts (then resolve with an empty batch). Without it, return at once.
   */
  wait?: boolean;
  signal?: AbortSignal;
  /** Upper bound on messages returned in one batch (readers loop for the rest). */
  maxMessages?: number;
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
  /** Creates a stream; idempotent when the options match, `StreamConflictError` otherwise. */
  create(path: string, options: CreateStreamOptions): Promise<CreateStreamResult>;
  /** Appends messages in order; `StreamNotFoundError`, `StreamClosedError`. */
  append(
    path: string,
    messages: readonly Uint8Array[],
    options?: AppendOptions,
  ): Promise<AppendResult>;
  /** `StreamNotFoundError`, `InvalidOffsetError` (malformed or beyond the tail). */
  read(path: string, options: ReadOptions): Promise<ReadBatch>;
  head(path: string): Promise<StreamInfo | undefined>;
  /** Closes the stream (idempotent); waiting readers wake with `closed: true`. */
  close(path: string): Promise<StreamInfo>;
  /** Deletes the stream; waiting readers wake and later reads get `StreamNotFoundError`. */
  delete(path: string): Promise<boolean>;
  /** Releases timers and wakes every waiting reader. */
  dispose(): Promise<void>;
}

const STORE_ERROR = Symbol.for('sluice.store.error');

/** Base class for store failures; `isInstance` works across module copies. */
export class StoreError extends Error {
  readonly [STORE_ERROR] = true;
  static isInstance(value: unknown): value is StoreError {
    return typeof value === 'object' && value !== null && STORE_ERROR in value;
  }
}

export class StreamNotFoundError extends StoreError {
  override readonly name = 'StreamNotFoundError';
}
export class StreamConflictError extends StoreError {
  override readonly name = 'StreamConflictError';
}
export class StreamClosedError extends StoreError {
  override readonly name = 'StreamClosedError';
}
export class InvalidOffsetError extends StoreError {
  override readonly name = 'InvalidOffsetError';
}
