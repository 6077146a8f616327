/**
 * One SSE response on a raw Node response: the headers proxies need, a first byte at
 * once, heartbeat comments, backpressure (a write waits for `drain`), and an abort
 * signal that fires when the client goes away. Every SSE encoder writes through this.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeSseComment } from '@sluice/protocol';

export interface SseConnectionOptions {
  heartbeatIntervalMs: number;
  headers?: Record<string, string>;
  /** Ends the connection when the server shuts down. */
  shutdownSignal?: AbortSignal;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

export class SseConnection {
  readonly #response: ServerResponse;
  readonly #controller = new AbortController();
  readonly #heartbeat: NodeJS.Timeout;
  #ended = false;
  #clientLeft = false;
  readonly #shutdownSignal: AbortSignal | undefined;
  readonly #onShutdown = () => this.#controller.abort();

  constructor(request: IncomingMessage, response: ServerResponse, options: SseConnectionOptions) {
    this.#response = response;
    const headers: Record<string, string> = { ...SSE_HEADERS, ...options.headers };
    // HTTP/1.1 only: HTTP/2 forbids hop-by-hop headers.
    if (request.httpVersionMajor === 1) headers.connection = 'keep-alive';
    response.writeHead(200, headers);
    response.write(encodeSseComment('ok'));
    this.#heartbeat = setInterval(() => {
      if (!this.#ended) response.write(encodeSseComment('heartbeat'));
    }, options.heartbeatIntervalMs).unref();
    response.once('close', () => this.#finish());
    this.#shutdownSignal = options.shutdownSignal;
    this.#shutdownSignal?.addEventListener('abort', this.#onShutdown, { once: true });
  }

  /** Aborts when the client disconnects (or the connection is ended). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the client went away before `end()`. */
  get disconnected(): boolean {
    return this.#clientLeft;
  }

  /** Writes a chunk; resolves when the socket can take more, so slow readers wait here. */
  async write(chunk: string): Promise<void> {
    if (this.#controller.signal.aborted) return;
    if (this.#response.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
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
    clearInterval(this.#heartbeat);
    this.#response.end();
  }

  #finish(): void {
    if (!this.#ended) this.#clientLeft = true;
    clearInterval(this.#heartbeat);
    this.#shutdownSignal?.removeEventListener('abort', this.#onShutdown);
    this.#controller.abort();
  }
}
