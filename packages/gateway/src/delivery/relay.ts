/**
 * The relay core: "everything after offset X, then wait for more", for every protocol.
 * Live delivery and resume are the same call. The first read happens before anything is
 * committed, so an unknown log or a bad offset (thrown) is still a 4xx; then the reader
 * is admitted (its policy may refuse it, also before the commit), the transport opens,
 * and each batch read is encoded into frames and sent in one write.
 *
 * Hot path: the loop calls the store directly (no async generator in between), reuses one
 * read options object, and awaits the transport only when it reports backpressure, so a
 * batch costs one promise: the store read's.
 *
 * A read that fails after the transport opened (Redis went away, the log was deleted or
 * is unreadable) ends the response; first the encoder's failure frames, if its protocol
 * has any, tell the reader why and whether retrying can help.
 */
import type { ReadBatch, ReadOptions, StreamStore } from '../store/stream-store.ts';
import type {
  DetachReason,
  FrameEncoder,
  FrameTransport,
  ReaderAdmission,
  RelayFailure,
} from './frame.ts';

/** Messages and bytes per read: bound what one connection holds before it writes. */
export const READ_BATCH_MESSAGES = 512;
export const READ_BATCH_BYTES = 64 * 1024;

/** Bounds of one read; a bound left out is the store's own. */
export interface ReadBounds {
  maxMessages?: number;
  maxBytes?: number;
}

const DEFAULT_BOUNDS: ReadBounds = { maxMessages: READ_BATCH_MESSAGES, maxBytes: READ_BATCH_BYTES };

export interface RelayOptions<F> {
  encoder: FrameEncoder<F>;
  /** Commits the response and returns its transport (after the first read and admission). */
  open: () => FrameTransport<F>;
  /** The log's reader policy; none for streams without one. */
  reader?: ReaderAdmission | undefined;
  /**
   * False: deliver the first batch that has messages (or the log's end), then stop —
   * long-poll. True (default): follow the log until it closes or delivery stops.
   */
  follow?: boolean;
  /** How much one read may return; absent, the relay's own (`READ_BATCH_*`). */
  bounds?: ReadBounds;
  /**
   * The reader connection's buffer cap: no batch larger than it (one message at least) is
   * handed to a transport, so the cap bounds what a reader holds even for one-shot answers.
   */
  maxBufferedBytes?: number;
  /** Told about a failure after the transport opened (the transport then ends). */
  onError?: (error: unknown) => void;
}

export interface RelayOutcome {
  /** The offset after the last batch handed to the transport: where the reader resumes. */
  reached: string;
  reason: DetachReason;
}

export async function relay<F>(
  store: StreamStore,
  path: string,
  offset: string,
  options: RelayOptions<F>,
): Promise<RelayOutcome> {
  const bounds = readBounds(options);
  const first = await store.read(path, { offset, ...bounds });
  const reader = await options.reader?.admit(offset);
  let transport: FrameTransport<F>;
  try {
    transport = options.open();
  } catch (error) {
    reader?.detach(first.nextOffset, 'failed');
    throw error;
  }
  const progress: Progress = { reached: first.nextOffset, last: first };
  let failure: RelayFailure | undefined;
  try {
    await pump(store, path, transport, options, progress, bounds);
  } catch (error) {
    // A read or an encoding after the transport opened failed (the log was deleted or
    // expired mid-read, say): the transport ends, answering the error if it still can.
    failure = { error };
    options.onError?.(error);
    sendFailure(transport, options.encoder, error);
  }
  let reason: DetachReason = 'failed';
  try {
    transport.end(progress.last, failure);
    if (failure === undefined) reason = transport.endReason;
  } finally {
    reader?.detach(progress.reached, reason);
  }
  return { reached: progress.reached, reason };
}

/** Tells the reader why delivery stops, where its protocol can say it; best effort. */
function sendFailure<F>(
  transport: FrameTransport<F>,
  encoder: FrameEncoder<F>,
  error: unknown,
): void {
  if (transport.signal.aborted) return;
  const frames = encoder.encodeFailure?.(error) ?? [];
  if (frames.length === 0) return;
  try {
    // Not awaited: the transport ends next, and the socket sends what it holds first. A
    // connection that failed too (maybe the failure itself) ends either way.
    transport.send(frames)?.catch(() => undefined);
  } catch {
    // As above, when the failure is thrown rather than returned.
  }
}

function readBounds(options: RelayOptions<unknown>): ReadBounds {
  const bounds: ReadBounds = { ...(options.bounds ?? DEFAULT_BOUNDS) };
  const cap = options.maxBufferedBytes;
  if (cap !== undefined && (bounds.maxBytes === undefined || cap < bounds.maxBytes)) {
    bounds.maxBytes = cap;
  }
  return bounds;
}

interface Progress {
  reached: string;
  last: ReadBatch;
}

async function pump<F>(
  store: StreamStore,
  path: string,
  transport: FrameTransport<F>,
  options: RelayOptions<F>,
  progress: Progress,
  bounds: ReadBounds,
): Promise<void> {
  const { encoder } = options;
  const follow = options.follow ?? true;
  const signal = transport.signal;
  const read: ReadOptions = { offset: progress.reached, wait: true, signal, ...bounds };
  let batch = progress.last;
  for (;;) {
    const frames = encoder.encode(batch);
    if (frames.length > 0) {
      const backpressure = transport.send(frames);
      if (backpressure !== undefined) await backpressure;
    }
    progress.reached = batch.nextOffset;
    if (batch.closed || signal.aborted || encoder.isComplete?.() === true) return;
    if (!follow && batch.messages.length > 0) return;
    read.offset = batch.nextOffset;
    const next = await store.read(path, read);
    // A read that returned because delivery stopped has nothing this reader will get.
    if (signal.aborted) return;
    batch = next;
    progress.last = batch;
  }
}
