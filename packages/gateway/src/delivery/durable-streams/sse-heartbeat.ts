/**
 * Keeps idle SSE connections alive through proxies with one shared timer for all of
 * them, rather than a timer per connection.
 */
import type { ServerResponse } from 'node:http';
import { HEARTBEAT_EVENT } from './sse-events.ts';

export class SseHeartbeat {
  readonly #connections = new Set<ServerResponse>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  add(connection: ServerResponse): void {
    this.#connections.add(connection);
    if (this.#timer === undefined && this.#intervalMs > 0) {
      this.#timer = setInterval(() => this.#beat(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  delete(connection: ServerResponse): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #beat(): void {
    for (const connection of this.#connections) {
      // A connection that is still flushing earlier events does not need a heartbeat.
      if (!connection.writableNeedDrain) connection.write(HEARTBEAT_EVENT);
    }
  }
}
