/**
 * The part of the reader policy that lives on a connection, shared by every HTTP
 * transport: one abort signal (client gone, reader cut, server closing, time up), the
 * slow-reader cut and the buffer cap.
 *
 * A write the socket cannot take at once makes the reader wait for `drain`, so a slow
 * reader holds about one read batch. Once the socket took what it could, a reader still
 * holding more than `maxBufferedBytes` unsent besides that batch is cut at once (it is
 * cut for what it failed to take, never for the size of one batch); one holding less is
 * cut if it takes nothing for `stalledReaderTimeoutMs`. A cut destroys the connection and, since
 * every event carries where it resumes, the reader reconnects from there. The producer
 * and the other readers never wait for it.
 */
import { onAbort } from '../store/abort-listeners.ts';
import type { DetachReason } from './frame.ts';

export interface ReaderLimits {
  /** Bytes a reader's connection may hold unsent before it is cut. */
  maxBufferedBytes: number;
  /** A reader whose socket takes nothing for this long is cut. */
  stalledReaderTimeoutMs: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = {
  maxBufferedBytes: 1024 * 1024,
  stalledReaderTimeoutMs: 30_000,
};

export interface ReaderConnectionOptions extends ReaderLimits {
  /** Ends the read when the server shuts down. */
  shutdownSignal?: AbortSignal | undefined;
  /** Ends the read after this long (long-poll timeout, SSE connection lifetime). */
  holdMs?: number | undefined;
}

/** What a reader needs of a response; HTTP/1.1 and HTTP/2 responses both provide it. */
export interface ReaderResponse {
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly writableFinished: boolean;
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'drain' | 'finish', listener: () => void): unknown;
  off(event: 'close' | 'drain' | 'finish', listener: () => void): unknown;
}

export class ReaderConnection {
  readonly #response: ReaderResponse;
  readonly #limits: ReaderLimits;
  readonly #controller = new AbortController();
  readonly #cancelShutdown: () => void;
  readonly #holdTimer: NodeJS.Timeout | undefined;
  #reason: DetachReason = 'completed';
  #draining = false;
  #ended = false;

  constructor(response: ReaderResponse, options: ReaderConnectionOptions) {
    this.#response = response;
    this.#limits = options;
    response.once('close', this.#onClose);
    // Thousands of readers share the shutdown signal; one listener serves them all.
    this.#cancelShutdown = options.shutdownSignal
      ? onAbort(options.shutdownSignal, () => this.#stop('shutdown'))
      : () => {};
    this.#holdTimer =
      options.holdMs === undefined
        ? undefined
        : setTimeout(() => this.#stop('expired'), options.holdMs);
  }

  /** Aborts when delivery must stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why delivery stopped; `completed` while nothing else happened. */
  get endReason(): DetachReason {
    return this.#reason;
  }

  /**
   * Writes a chunk. Returns a promise, resolved when the socket takes more, only when it
   * cannot take this one at once: slow readers wait there, the usual write costs nothing.
   */
  write(chunk: string): Promise<void> | undefined {
    if (this.#controller.signal.aborted || this.#send(chunk)) return undefined;
    return this.#waitFor('drain', chunk.length);
  }

  /** Writes only when the connection is idle (heartbeats): a draining one needs none. */
  writeIfIdle(chunk: string): void {
    if (!this.#draining && !this.#controller.signal.aborted) this.#send(chunk);
  }

  /**
   * For a response sent in one piece by someone else (a long-poll body): resolves once it
   * was handed to the socket; a reader that does not take it in time is cut.
   */
  whenFinished(): Promise<void> | undefined {
    if (this.#response.writableFinished || this.#controller.signal.aborted) return undefined;
    return this.#waitFor('finish', Number.POSITIVE_INFINITY);
  }

  /** Ends the response (unless it was cut or the client left) and stops the timers. */
  end(): void {
    if (this.#ended) return;
    this.release();
    if (!this.#response.destroyed && !this.#response.writableFinished) this.#response.end();
  }

  /** Stops the timers and listeners but leaves the response to its owner (a long-poll reply). */
  release(): void {
    this.#ended = true;
    this.#dispose();
  }

  /** Writes; returns whether the socket wants more now. */
  #send(chunk: string): boolean {
    const more = this.#response.write(chunk);
    if (!more) this.#draining = true;
    return more;
  }

  /** Waits for `event`; `justWritten` is the write that made it wait (not held against it). */
  #waitFor(event: 'drain' | 'finish', justWritten: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const signal = this.#controller.signal;
      const stalled = setTimeout(
        () => this.#cut('cut-stalled'),
        this.#limits.stalledReaderTimeoutMs,
      );
      // Writes of one turn are corked together and offered to the socket at its end; what
      // is still unsent after that, besides this write, is what the reader failed to take.
      const overCap = setImmediate(() => {
        if (this.#response.writableLength - justWritten > this.#limits.maxBufferedBytes) {
          this.#cut('cut-buffer-limit');
        }
      });
      const done = (): void => {
        clearTimeout(stalled);
        clearImmediate(overCap);
        this.#response.off(event, done);
        signal.removeEventListener('abort', done);
        if (event === 'drain') this.#draining = false;
        resolve();
      };
      this.#response.on(event, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #stop(reason: DetachReason): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = reason;
    this.#controller.abort();
  }

  #cut(reason: 'cut-stalled' | 'cut-buffer-limit'): void {
    if (this.#controller.signal.aborted || this.#ended) return;
    this.#stop(reason);
    // Destroying drops what is buffered; the reader resumes from the last event it got.
    this.#response.destroy();
  }

  readonly #onClose = (): void => {
    // 'close' also follows a normal end; only an unfinished response means the client left.
    if (!this.#response.writableFinished) this.#stop('client-disconnected');
    this.#dispose();
  };

  #dispose(): void {
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer);
    this.#cancelShutdown();
    this.#response.off('close', this.#onClose);
  }
}
