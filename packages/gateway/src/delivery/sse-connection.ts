/**
 * One SSE response on a raw Node response (HTTP/1.1 or HTTP/2): the headers proxies
 * need, a first byte at once, heartbeat comments, backpressure, and an abort signal that
 * fires when the client goes away. Every SSE encoder writes through this.
 *
 * Backpressure: a write that the socket cannot take waits for `drain`, so a slow reader
 * holds at most one read batch. A reader that takes nothing for `stalledReaderTimeoutMs`,
 * or whose unsent bytes pass `maxBufferedBytes`, is cut: its connection is closed and,
 * since every event carries its offset as `id`, it resumes where it left off. The
 * producer and the other readers never wait for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { encodeSseComment } from '@sluice/protocol';

export interface SseConnectionOptions {
  heartbeatIntervalMs: number;
  headers?: Record<string, string>;
  /** Ends the connection when the server shuts down. */
  shutdownSignal?: AbortSignal;
  maxBufferedBytes?: number;
  stalledReaderTimeoutMs?: number;
}

export type CutReason = 'buffer-limit' | 'stalled';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * One timer per heartbeat interval for all connections, not one per connection: ten
 * thousand idle readers cost one timer, not ten thousand.
 */
class HeartbeatTicker {
  static readonly #byInterval = new Map<number, HeartbeatTicker>();
  readonly #beats = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #intervalMs: number;

  private constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    this.#timer = setInterval(() => {
      for (const beat of this.#beats) beat();
    }, intervalMs).unref();
  }

  static join(intervalMs: number, beat: () => void): () => void {
    let ticker = HeartbeatTicker.#byInterval.get(intervalMs);
    if (!ticker) {
      ticker = new HeartbeatTicker(intervalMs);
      HeartbeatTicker.#byInterval.set(intervalMs, ticker);
    }
    ticker.#beats.add(beat);
    const joined = ticker;
    return () => joined.#leave(beat);
  }

  #leave(beat: () => void): void {
    // Idempotent: a connection leaves once, however many times it ends.
    if (!this.#beats.delete(beat) || this.#beats.size > 0) return;
    clearInterval(this.#timer);
    if (HeartbeatTicker.#byInterval.get(this.#intervalMs) === this) {
      HeartbeatTicker.#byInterval.delete(this.#intervalMs);
    }
  }
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const DEFAULT_STALLED_READER_TIMEOUT_MS = 30_000;

const HEARTBEAT = encodeSseComment('keep-alive');

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** What SSE needs of a response; HTTP/1.1 and HTTP/2 responses both provide it. */
interface SseResponse {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: string): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  once(event: 'close', listener: () => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

export class SseConnection {
  readonly #response: SseResponse;
  readonly #controller = new AbortController();
  readonly #stopHeartbeat: () => void;
  readonly #maxBufferedBytes: number;
  readonly #stalledReaderTimeoutMs: number;
  #ended = false;
  #clientLeft = false;
  #cut: CutReason | undefined;
  readonly #shutdownSignal: AbortSignal | undefined;
  readonly #onShutdown = () => this.#controller.abort();

  constructor(
    request: AnyRequest,
    response: ServerResponse | Http2ServerResponse,
    options: SseConnectionOptions,
  ) {
    this.#response = response as SseResponse;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#stalledReaderTimeoutMs =
      options.stalledReaderTimeoutMs ?? DEFAULT_STALLED_READER_TIMEOUT_MS;
    const headers: Record<string, string> = { ...SSE_HEADERS, ...options.headers };
    // HTTP/1.1 only: HTTP/2 forbids hop-by-hop headers.
    if (request.httpVersionMajor === 1) headers.connection = 'keep-alive';
    this.#response.writeHead(200, headers);
    this.#send(encodeSseComment('ok'));
    this.#stopHeartbeat = HeartbeatTicker.join(options.heartbeatIntervalMs, () => {
      if (!this.#ended) this.#send(HEARTBEAT);
    });
    this.#response.once('close', () => this.#finish());
    this.#shutdownSignal = options.shutdownSignal;
    this.#shutdownSignal?.addEventListener('abort', this.#onShutdown, { once: true });
  }

  /** Aborts when the client disconnects, the reader is cut, or the connection ends. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the client went away on its own before `end()` (not when it was cut). */
  get disconnected(): boolean {
    return this.#clientLeft && this.#cut === undefined;
  }

  /** Why the gateway cut this reader, if it did. */
  get cutReason(): CutReason | undefined {
    return this.#cut;
  }

  /** Writes a chunk; resolves when the socket can take more, so slow readers wait here. */
  async write(chunk: string): Promise<void> {
    if (this.#controller.signal.aborted) return;
    if (this.#send(chunk)) return;
    if (this.#controller.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const stalled = setTimeout(() => this.#cutReader('stalled'), this.#stalledReaderTimeoutMs);
      const done = () => {
        clearTimeout(stalled);
        this.#response.off('drain', done);
        this.#controller.signal.removeEventListener('abort', done);
        resolve();
      };
      this.#response.on('drain', done);
      this.#controller.signal.addEventListener('abort', done, { once: true });
    });
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopHeartbeat();
    if (!this.#cut) this.#response.end();
  }

  /** Enforces the buffer bound, then writes; returns whether the socket wants more now. */
  #send(chunk: string): boolean {
    // Checked before writing: a reader is cut for what it failed to take, never for the
    // size of one batch (reads are bounded in bytes).
    if (this.#response.writableLength > this.#maxBufferedBytes) {
      this.#cutReader('buffer-limit');
      return false;
    }
    return this.#response.write(chunk);
  }

  #cutReader(reason: CutReason): void {
    if (this.#cut || this.#ended) return;
    this.#cut = reason;
    this.#controller.abort();
    // Destroying drops what is buffered; the reader's last complete event id is where
    // it resumes.
    this.#response.destroy();
  }

  #finish(): void {
    if (!this.#ended) this.#clientLeft = true;
    this.#stopHeartbeat();
    this.#shutdownSignal?.removeEventListener('abort', this.#onShutdown);
    this.#controller.abort();
  }
}
