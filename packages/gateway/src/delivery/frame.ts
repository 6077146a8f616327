/**
 * The contract between the relay core, its encoders and its transports. An encoder turns
 * a read batch into frames — never into wire text — and a transport serializes frames
 * for its wire: SSE lines, a long-poll body, WebSocket messages. So every protocol is an
 * encoder (what to say) paired with a transport (how it travels), and the reader policy
 * (admission, audit, slow-reader cut, buffer cap) sits in one place around them.
 */
import type { ReadBatch } from '../store/stream-store.ts';

/**
 * One event for a client. SSE writes it as `id:`, `event:` and `data:` lines; a
 * multiplexing WebSocket transport as one message naming the subscription's generation,
 * `id` as the offset and `data` as the event (JSON text, inserted unparsed).
 */
export interface EventFrame {
  /** Where a client resumes to get what follows (the offset after the event), if per event. */
  readonly id?: string | undefined;
  /** What the frame is (a generation event's type, a Durable Streams `data` or `control`). */
  readonly event?: string | undefined;
  /** The payload text, written as is. */
  readonly data: string;
}

/** Turns read batches into frames; keeps whatever state its protocol needs. */
export interface FrameEncoder<F> {
  /** The frames for one batch, in order; none to send nothing for it. */
  encode(batch: ReadBatch): F[];
  /** True once the protocol's last frame was produced (OpenAI's `[DONE]`): the relay stops. */
  isComplete?(): boolean;
  /**
   * The frames telling a reader that reading failed after its response was committed
   * (Redis went away, the data is unreadable): the connection's own, not the log's, so
   * they carry no offset. Absent or none where the protocol has no way to say it: the
   * connection just ends and the client's reconnect gets an ordinary error answer.
   */
  encodeFailure?(error: unknown): F[];
}

/** Why a reader's delivery ended. */
export type DetachReason =
  /** Delivered to the end: the log closed, the protocol completed, or the one batch sent. */
  | 'completed'
  | 'client-disconnected'
  /** The gateway cut a reader that took nothing for `stalledReaderTimeoutMs`. */
  | 'cut-stalled'
  /** The gateway cut a reader holding more than `maxBufferedBytes` unsent. */
  | 'cut-buffer-limit'
  | 'shutdown'
  /** The read's time was up (long-poll timeout, SSE connection lifetime); the client reconnects. */
  | 'expired'
  /** Reading the log failed after the response was committed (the log was deleted, say). */
  | 'failed';

/** Carries frames to one reader. */
export interface FrameTransport<F> {
  /** Aborts when delivery must stop: client gone, reader cut, shutdown, time up. */
  readonly signal: AbortSignal;
  /**
   * Sends one batch's frames in one write. Returns a promise only when the reader must
   * wait before the next batch (backpressure), so the usual batch costs no promise.
   */
  send(frames: readonly F[]): Promise<void> | undefined;
  /**
   * Ends delivery after `last`, the last batch read (idempotent). With `failure`, reading
   * the log failed: a transport that has not answered yet answers the error itself.
   */
  end(last: ReadBatch, failure?: RelayFailure): void;
  /** Why delivery ended or is ending; `completed` unless something else happened. */
  readonly endReason: DetachReason;
}

/** Why reading the log failed after the transport opened (the log was deleted, say). */
export interface RelayFailure {
  error: unknown;
}

/**
 * The reader policy of a log: for generation logs, connection limits and reader audit.
 * Streams without one are relayed without admission or audit.
 */
export interface ReaderAdmission {
  /**
   * Called after the first read succeeded and before anything is committed, so a refusal
   * (thrown, e.g. a 429) is still an ordinary HTTP answer.
   */
  admit(offset: string): Promise<AdmittedReader>;
}

export interface AdmittedReader {
  /** Called once when delivery ended: the offset after the last batch sent, and why. */
  detach(reached: string, reason: DetachReason): void;
}
