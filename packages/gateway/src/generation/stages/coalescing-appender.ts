/**
 * The producer's last stage: appends a generation's events to its log with at most one
 * append in flight. What arrives while an append runs waits in a batch and goes out in the
 * next single append, so a store with a network round trip (Redis) costs one call per
 * tick per stream rather than one per token, and order is kept. `push` never waits unless
 * the queue passes its high-water mark (a store slower than the model): then it returns a
 * promise the producer awaits — backpressure instead of unbounded memory. `flush` resolves
 * once everything pushed so far is in the log; a failed append is remembered and rethrown
 * by `flush` (and by later pushes), never swallowed.
 */
import type { StreamStore } from '../../store/stream-store.ts';

export interface CoalescingAppenderOptions {
  /** Queued bytes past which `push` makes the producer wait. Default 1 MiB. */
  highWaterMarkBytes?: number;
}

const DEFAULT_HIGH_WATER_MARK_BYTES = 1024 * 1024;

export class CoalescingAppender {
  readonly #store: StreamStore;
  readonly #path: string;
  readonly #highWaterMarkBytes: number;
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

  /** Appends the queue, batch after batch, until it is empty. */
  async #drain(): Promise<void> {
    // One microtask first: parts of the same upstream read join the first batch.
    await undefined;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        await this.#store.append(this.#path, batch);
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
