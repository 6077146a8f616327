/**
 * An upstream response body read through undici's dispatcher handler API: chunks go from
 * the HTTP parser into a small queue that one `for await` drains. undici's `request()` wraps
 * the same chunks in a `Readable` stream and its async iterator, a layer of buffering,
 * events and promises per chunk that a relay of one small SSE event per token pays for on
 * every token; this pays one promise per wait and nothing when a chunk is already queued.
 *
 * Backpressure: past `HIGH_WATER_BYTES` queued the connection is paused (undici stops reading
 * the socket) and resumed once the consumer has taken the queue. `release()` gives the
 * connection back when the provider is done: a body read to its end (or whose remainder is
 * short and quick) leaves a reusable keep-alive socket, anything else is aborted, which
 * closes the socket at once — the upstream sees the cancel.
 */
import type { Dispatcher } from 'undici';

/** Queued bytes past which the socket is paused until the consumer catches up. */
const HIGH_WATER_BYTES = 64 * 1024;
/** Beyond this a finished stream's leftovers are not worth reading; the socket is dropped. */
const DRAIN_LIMIT_BYTES = 64 * 1024;
/** A server that holds the response open after its final event loses the socket after this. */
const DRAIN_TIMEOUT_MS = 5_000;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Why a body was aborted by its reader (never seen by callers: they decided to stop). */
class BodyReleasedError extends Error {
  override readonly name = 'BodyReleasedError';
}

interface Waiter {
  resolve: (result: IteratorResult<Uint8Array>) => void;
  reject: (error: unknown) => void;
}

export class UpstreamBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly #controller: Dispatcher.DispatchController;
  #chunks: Buffer[] = [];
  #head = 0;
  #queuedBytes = 0;
  #ended = false;
  #failure: { error: unknown } | undefined;
  #waiter: Waiter | undefined;
  /** Released: chunks are no longer queued; `completed` ones are drained, others aborted. */
  #released = false;
  #drainedBytes = 0;
  #drainTimer: NodeJS.Timeout | undefined;

  constructor(controller: Dispatcher.DispatchController) {
    this.#controller = controller;
  }

  /** True once the body ended, failed or was released: nothing more will be read. */
  get finished(): boolean {
    return this.#ended || this.#failure !== undefined || this.#released;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#head < this.#chunks.length) return Promise.resolve(this.#take());
    if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
    if (this.#ended || this.#released) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /**
   * A `for await` that stops early calls this. It does not decide the connection's fate:
   * the provider's `release()` does, knowing whether the answer was complete.
   */
  return(): Promise<IteratorResult<Uint8Array>> {
    return Promise.resolve(DONE);
  }

  /**
   * Hands the connection back. `completed`: the answer is whole, so the rest of the body is
   * read and dropped (bounded in bytes and time) to keep the socket; otherwise the request
   * is aborted and its socket closed.
   */
  release(completed: boolean): void {
    if (this.#released) return;
    this.#released = true;
    this.#chunks = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    if (this.#ended || this.#failure !== undefined) return;
    if (!completed) {
      this.#abort();
      return;
    }
    this.#drainTimer = setTimeout(() => this.#abort(), DRAIN_TIMEOUT_MS);
    this.#drainTimer.unref();
    if (this.#controller.paused) this.#controller.resume();
  }

  /** Called by the dispatch handler for each body chunk. */
  pushChunk(chunk: Buffer): void {
    if (this.#released) {
      this.#drainedBytes += chunk.byteLength;
      if (this.#drainedBytes > DRAIN_LIMIT_BYTES) this.#abort();
      return;
    }
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.#chunks.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (this.#queuedBytes > HIGH_WATER_BYTES && !this.#controller.paused) {
      this.#controller.pause();
    }
  }

  /** Called by the dispatch handler when the body ends. */
  end(): void {
    this.#ended = true;
    clearTimeout(this.#drainTimer);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(DONE);
  }

  /** Called by the dispatch handler when the response fails mid-body. */
  fail(error: unknown): void {
    clearTimeout(this.#drainTimer);
    if (this.#released || this.#ended) return;
    this.#failure = { error };
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  #take(): IteratorResult<Uint8Array> {
    const chunk = this.#chunks[this.#head] as Buffer;
    this.#head += 1;
    this.#queuedBytes -= chunk.byteLength;
    if (this.#head === this.#chunks.length) {
      this.#chunks.length = 0;
      this.#head = 0;
      if (this.#controller.paused) this.#controller.resume();
    }
    return { done: false, value: chunk };
  }

  #abort(): void {
    clearTimeout(this.#drainTimer);
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#controller.aborted) {
      this.#controller.abort(new BodyReleasedError('The upstream body was released unread'));
    }
  }
}
