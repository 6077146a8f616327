/**
 * The producer's last stage: appends a generation's events to its log with at most one
 * append in flight. What arrives while an append runs waits in a batch and goes out in the
 * next single append, so a store with a network round trip (Redis) costs one call per
 * tick per stream rather than one per token, and order is kept. `push` never waits unless
 * the queue passes its high-water mark (a store slower than the model): then it returns a
 * promise the producer awaits — backpressure instead of unbounded memory. `flush` resolves
 * once everything pushed so far is in the log; a failed append is remembered and rethrown
 * by `flush` (and by later pushes), never swallowed.
 *
 * In a cluster every append carries the producer's identity and lease epoch with the next
 * sequence number (the store's idempotent-producer check), so once another node took the
 * generation over with a higher epoch, this producer's appends are refused (`fenced`).
 */
import {
  type AppendOptions,
  ProducerEpochStaleError,
  type StreamStore,
} from '../../store/stream-store.ts';

export interface CoalescingAppenderOptions {
  /** Queued bytes past which `push` makes the producer wait. Default 1 MiB. */
  highWaterMarkBytes?: number;
  /**
   * The producer's identity and lease epoch, checked by the store on every append, and
   * the first sequence number to use (default 0; 1 after a fencing append, `fenceLog`).
   */
  producer?: { id: string; epoch: number; firstSeq?: number };
  /**
   * Appends wait for this first (the log's creation, running while the model is called);
   * if it rejects, the appender has failed with its error.
   */
  after?: Promise<unknown>;
}

const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024;

export class CoalescingAppender {
  readonly #store: StreamStore;
  readonly #path: string;
  readonly #highWaterMarkBytes: number;
  readonly #producer: { id: string; epoch: number } | undefined;
  #seq = 0;
  #after: Promise<unknown> | undefined;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #inFlight: Promise<void> | undefined;
  #failure: unknown;
  #failed = false;
  /** Messages pushed, appends made and messages appended (the finalizer's consistency check). */
  pushed = 0;
  /** Bytes pushed: the log's size once flushed (what the generation holds in the store). */
  pushedBytes = 0;
  appends = 0;
  appended = 0;

  constructor(store: StreamStore, path: string, options: CoalescingAppenderOptions = {}) {
    this.#store = store;
    this.#path = path;
    this.#highWaterMarkBytes = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK_BYTES;
    this.#after = options.after;
    if (options.producer !== undefined) {
      this.#producer = { id: options.producer.id, epoch: options.producer.epoch };
      this.#seq = options.producer.firstSeq ?? 0;
    }
  }

  /** The store refused an append because another producer epoch took the log over. */
  get fenced(): boolean {
    return this.#failed && ProducerEpochStaleError.isInstance(this.#failure);
  }

  /** Messages pushed and not yet in the log. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues a message. Returns undefined, or — when the queue is past its high-water mark —
   * a promise to await before pushing more.
   */
  push(message: Uint8Array): Promise<void> | undefined {
    if (this.#failed) throw this.#failure;
    this.pushed += 1;
    this.#queue.push(message);
    this.#queuedBytes += message.byteLength;
    this.pushedBytes += message.byteLength;
    this.#inFlight ??= this.#drain();
    return this.#queuedBytes > this.#highWaterMarkBytes ? this.#inFlight : undefined;
  }

  /** Resolves once every message pushed so far is in the log; rejects if an append failed. */
  async flush(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
    if (this.#failed) throw this.#failure;
  }

  /**
   * Flushes, then appends `messages` as one batch with `close` (the finalizer's last
   * write). After an earlier failure it still tries once — readers must not wait on an
   * unfinished log — unless this producer was fenced off: the log is not its own any more.
   */
  async appendLast(messages: Uint8Array[], close: boolean): Promise<void> {
    await this.flush().catch(() => undefined);
    if (this.fenced) throw this.#failure;
    await this.#store.append(this.#path, messages, this.#options(close));
  }

  #options(close?: boolean): AppendOptions | undefined {
    if (this.#producer === undefined) return close ? { close } : undefined;
    const producer = { ...this.#producer, seq: this.#seq };
    this.#seq += 1;
    return close ? { close, producer } : { producer };
  }

  /** Appends the queue, batch after batch, until it is empty. */
  async #drain(): Promise<void> {
    // One microtask first: parts of the same upstream read join the first batch.
    await undefined;
    try {
      if (this.#after !== undefined) {
        await this.#after;
        this.#after = undefined;
      }
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        await this.#store.append(this.#path, batch, this.#options());
        this.appends += 1;
        this.appended += batch.length;
      }
    } catch (error) {
      this.#failed = true;
      this.#failure = error;
      this.#queue = [];
      this.#queuedBytes = 0;
    } finally {
      this.#inFlight = undefined;
    }
  }
}

/**
 * Claims a log for a new producer epoch with an empty append (sequence 0): from then on
 * the store refuses every append of an older epoch, so what the log holds is final for
 * the old producer. The new producer's appender then starts at sequence 1. Rejects like
 * an append (`StreamClosedError` when the log is closed, `StreamNotFoundError`).
 */
export async function fenceLog(
  store: StreamStore,
  path: string,
  producer: { id: string; epoch: number },
): Promise<void> {
  await store.append(path, [], { producer: { ...producer, seq: 0 } });
}
