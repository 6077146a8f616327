/**
 * The WebSocket transport: reads generations over the gateway's `GET /v1/ws`, all of a
 * client's generations multiplexed on one socket (`websocket-connection.ts`). The socket
 * opens on the first `open()`, authenticates by first frame, and closes a short linger
 * after the last subscription ended. Each `open()` subscribes from its offset and yields
 * that generation's events until its `end` frame; a dropped socket fails every open read
 * with a retryable `TransportError`, and `readWithResume` resubscribes each generation
 * from its own last offset. Uses the global `WebSocket` (browsers, Node 22+) or the
 * constructor given (Node's `ws` package, a test double).
 */
import {
  type DeliveredEvent,
  EVENT_TRANSPORT_VERSION,
  type EventTransport,
  type OpenStreamRequest,
  TransportError,
} from './event-transport.ts';
import {
  type SubscriptionSink,
  WebSocketConnection,
  type WebSocketConstructor,
} from './websocket-connection.ts';

export interface WebSocketTransportOptions {
  /** The gateway, e.g. `http://127.0.0.1:7700`; the socket goes to `ws://…/v1/ws`. */
  baseUrl: string;
  /** Sent in the first frame (`{ type: 'auth', token }`); omit for open mode. */
  apiKey?: string | undefined;
  /** Defaults to the global `WebSocket`. */
  WebSocket?: WebSocketConstructor | undefined;
  /** An application `ping` goes out this often; one unanswered for as long drops the socket. */
  heartbeatIntervalMs?: number | undefined;
  /** How long an idle socket (no subscription left) stays open for the next read. */
  lingerMs?: number | undefined;
  /**
   * Subscriptions per socket before another socket is opened: the gateway's
   * `streams.websocket.maxSubscriptions` (default 64).
   */
  maxSubscriptionsPerSocket?: number | undefined;
}

const DEFAULT_HEARTBEAT_INTERVAL_MS = 15_000;
const DEFAULT_LINGER_MS = 1000;
const DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET = 64;

export class WebSocketTransport implements EventTransport {
  readonly specificationVersion = EVENT_TRANSPORT_VERSION;
  readonly #options: WebSocketTransportOptions;
  /**
   * Usually one. A second read of a generation already read on a socket, or a read past
   * the gateway's subscriptions-per-connection limit, gets another.
   */
  #connections: WebSocketConnection[] = [];

  constructor(options: WebSocketTransportOptions) {
    this.#options = options;
  }

  /** The gateway's WebSocket URL: the base URL with `ws:`/`wss:` and `/v1/ws`. */
  get url(): string {
    const base = this.#options.baseUrl.replace(/\/+$/, '').replace(/^http(s?):/i, 'ws$1:');
    return `${base}/v1/ws`;
  }

  open(request: OpenStreamRequest): AsyncIterable<DeliveredEvent> {
    return this.#read(request);
  }

  /** Closes the sockets now (not after the linger); reads still open fail, not retryable. */
  close(): void {
    const error = new TransportError({ message: 'The transport was closed', retryable: false });
    for (const connection of [...this.#connections]) connection.close(error);
  }

  async *#read(request: OpenStreamRequest): AsyncGenerator<DeliveredEvent> {
    const { generationId, offset, signal } = request;
    if (signal.aborted) throw signal.reason;
    const queue: DeliveredEvent[] = [];
    let ended = false;
    let failure: TransportError | undefined;
    let wake: () => void = () => {};
    const sink: SubscriptionSink = {
      deliver(delivered) {
        queue.push(delivered);
        wake();
      },
      end() {
        ended = true;
        wake();
      },
      fail(error) {
        failure ??= error;
        wake();
      },
    };
    const connection = this.#connectionFor(generationId);
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort);
    try {
      connection.subscribe(generationId, offset, sink);
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        // Events that arrived before a failure are delivered first: their offsets count.
        if (failure !== undefined) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      // Aborted, or the consumer stopped early: tell the gateway (no-op after the end).
      connection.unsubscribe(generationId, sink);
    }
  }

  #connectionFor(generationId: string): WebSocketConnection {
    const room = this.#options.maxSubscriptionsPerSocket ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_SOCKET;
    const shared = this.#connections.find(
      (connection) => connection.usable && connection.size < room && !connection.has(generationId),
    );
    if (shared !== undefined) return shared;
    const WebSocket = this.#options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocket !== 'function') {
      throw new TransportError({
        message: 'No WebSocket here: pass a constructor in the options (e.g. the ws package)',
        retryable: false,
      });
    }
    const connection = new WebSocketConnection({
      url: this.url,
      apiKey: this.#options.apiKey,
      WebSocket,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS,
      lingerMs: this.#options.lingerMs ?? DEFAULT_LINGER_MS,
      onClosed: (closed) => {
        this.#connections = this.#connections.filter((candidate) => candidate !== closed);
      },
    });
    this.#connections.push(connection);
    return connection;
  }
}
