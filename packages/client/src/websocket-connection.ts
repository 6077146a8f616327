/**
 * One WebSocket to the gateway's `GET /v1/ws` (docs/websocket.md), shared by several
 * subscriptions: frames are routed to each subscription by `generationId`. The socket
 * authenticates with a first `auth` frame (browsers cannot set headers on a WebSocket),
 * sends an application `ping` every heartbeat interval and gives up on a socket that did
 * not answer one, and closes itself a short linger after its last subscription ended.
 *
 * A socket that drops fails every subscription on it with a retryable `TransportError`,
 * so each reader resumes from its own last offset. A reader that stops early sends
 * `unsubscribe`; until the gateway has answered it (known by a `ping` sent right after,
 * since frames are handled in order) frames still in flight for that generation are
 * dropped instead of reaching a later subscription to the same generation.
 */
import { type ErrorCode, type GenerationEvent, WS_CLOSE_CODES } from '@sluice/protocol';
import { type DeliveredEvent, TransportError } from './event-transport.ts';
import { isRetryableStatus } from './http.ts';

/** What the SDK needs of a WebSocket: the browsers' and Node's global one, or `ws`'s. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(
    type: 'open' | 'message' | 'close' | 'error',
    listener: (event: unknown) => void,
  ): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where a subscription's frames go: the reader of one `open()`. */
export interface SubscriptionSink {
  deliver(delivered: DeliveredEvent): void;
  /** The log closed: every event was sent. */
  end(): void;
  fail(error: TransportError): void;
}

export interface WebSocketConnectionSettings {
  url: string;
  apiKey: string | undefined;
  WebSocket: WebSocketConstructor;
  heartbeatIntervalMs: number;
  lingerMs: number;
  /** Called once when the connection is gone (dropped, failed, or closed after lingering). */
  onClosed: (connection: WebSocketConnection) => void;
}

const OPEN = 1;
const CONNECTING = 0;
/** Close codes 4000–4999 are for applications; this one says "you did not answer". */
const CLOSE_HEARTBEAT_MISSED = 4000;
const CLOSE_NORMAL = 1000;

type Route = SubscriptionSink | 'draining';

interface ServerFrame {
  type?: unknown;
  generationId?: unknown;
  offset?: unknown;
  event?: unknown;
  reason?: unknown;
  code?: unknown;
  message?: unknown;
  ref?: unknown;
}

export class WebSocketConnection {
  readonly #settings: WebSocketConnectionSettings;
  readonly #socket: WebSocketLike;
  readonly #routes = new Map<string, Route>();
  /** `ping` refs sent after an `unsubscribe`, and the generation each one drains. */
  readonly #drains = new Map<string, string>();
  #pending: string[] = [];
  #closed = false;
  #heard = true;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #linger: ReturnType<typeof setTimeout> | undefined;
  #nextRef = 0;

  constructor(settings: WebSocketConnectionSettings) {
    this.#settings = settings;
    if (settings.apiKey !== undefined) {
      this.#pending.push(JSON.stringify({ type: 'auth', token: settings.apiKey }));
    }
    this.#socket = new settings.WebSocket(settings.url);
    this.#socket.addEventListener('open', () => this.#opened());
    // Both events are the standard ones (`MessageEvent`, `CloseEvent`) in every runtime.
    this.#socket.addEventListener('message', (event) =>
      this.#received((event as { data: unknown }).data),
    );
    this.#socket.addEventListener('close', (event) =>
      this.#shutdown(closeError((event as { code: number }).code)),
    );
    // Browsers say nothing about why; a `close` follows, and this covers runtimes where not.
    this.#socket.addEventListener('error', () =>
      this.#shutdown(new TransportError({ message: 'The WebSocket failed', retryable: true })),
    );
  }

  /** False once the socket dropped or closed: new subscriptions need a new connection. */
  get usable(): boolean {
    return !this.#closed;
  }

  /** Subscriptions on this socket, including those still draining after `unsubscribe`. */
  get size(): number {
    return this.#routes.size;
  }

  /** Whether a subscription to this generation (or the end of one) is on this socket. */
  has(generationId: string): boolean {
    return this.#routes.has(generationId);
  }

  subscribe(generationId: string, offset: string, sink: SubscriptionSink): void {
    if (this.#closed) {
      sink.fail(new TransportError({ message: 'The WebSocket is closed', retryable: true }));
      return;
    }
    clearTimeout(this.#linger);
    this.#routes.set(generationId, sink);
    this.#send({ type: 'subscribe', generationId, offset });
  }

  /** The reader stopped before the log closed; a no-op when its subscription already ended. */
  unsubscribe(generationId: string, sink: SubscriptionSink): void {
    if (this.#routes.get(generationId) !== sink) return;
    const ref = `drain-${++this.#nextRef}`;
    this.#routes.set(generationId, 'draining');
    this.#drains.set(ref, generationId);
    this.#send({ type: 'unsubscribe', generationId });
    this.#send({ type: 'ping', ref });
  }

  /** Closes now; subscriptions still open fail with `error`. */
  close(error: TransportError): void {
    this.#shutdown(error, CLOSE_NORMAL);
  }

  #opened(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const data of pending) this.#write(data);
    this.#heartbeat = setInterval(() => this.#beat(), this.#settings.heartbeatIntervalMs);
  }

  #beat(): void {
    if (!this.#heard) {
      this.#shutdown(
        new TransportError({ message: 'The WebSocket stopped answering pings', retryable: true }),
        CLOSE_HEARTBEAT_MISSED,
      );
      return;
    }
    this.#heard = false;
    this.#send({ type: 'ping' });
  }

  #send(frame: Record<string, unknown>): void {
    if (this.#closed) return;
    const data = JSON.stringify(frame);
    if (this.#socket.readyState === OPEN) this.#write(data);
    else if (this.#socket.readyState === CONNECTING) this.#pending.push(data);
  }

  #write(data: string): void {
    try {
      this.#socket.send(data);
    } catch (error) {
      this.#shutdown(
        new TransportError({ message: 'The WebSocket failed', retryable: true, cause: error }),
      );
    }
  }

  #received(data: unknown): void {
    this.#heard = true;
    let frame: ServerFrame;
    try {
      if (typeof data !== 'string') throw new Error('a binary message');
      frame = JSON.parse(data) as ServerFrame;
      if (typeof frame !== 'object' || frame === null) throw new Error('not an object');
    } catch (error) {
      // Messages arrive whole (the WebSocket framing sees to it): this is not a cut.
      this.#shutdown(
        new TransportError({
          message: 'The gateway sent a WebSocket message that is not a JSON frame',
          retryable: false,
          protocol: true,
          cause: error,
        }),
      );
      return;
    }
    if (frame.type === 'pong') {
      this.#drained(frame.ref);
      return;
    }
    if (typeof frame.generationId !== 'string') return; // `ready`, a connection-level error
    const route = this.#routes.get(frame.generationId);
    if (route === undefined || route === 'draining') return;
    switch (frame.type) {
      case 'event':
        this.#event(frame.generationId, route, frame);
        return;
      case 'end':
        this.#ended(frame.generationId);
        if (frame.reason === 'closed') route.end();
        else route.fail(endError(frame.reason));
        return;
      case 'error':
        this.#ended(frame.generationId);
        route.fail(frameError(frame));
        return;
      default:
        return;
    }
  }

  #event(generationId: string, route: SubscriptionSink, frame: ServerFrame): void {
    const event = frame.event as GenerationEvent | null | undefined;
    if (typeof frame.offset !== 'string' || typeof event?.type !== 'string') {
      this.#ended(generationId);
      route.fail(
        new TransportError({
          message: 'An event frame has no offset or no event type',
          retryable: false,
          protocol: true,
        }),
      );
      return;
    }
    route.deliver({ offset: frame.offset, event });
  }

  #drained(ref: unknown): void {
    if (typeof ref !== 'string') return;
    const generationId = this.#drains.get(ref);
    if (generationId === undefined) return;
    this.#drains.delete(ref);
    if (this.#routes.get(generationId) === 'draining') this.#ended(generationId);
  }

  #ended(generationId: string): void {
    this.#routes.delete(generationId);
    if (this.#routes.size > 0 || this.#closed) return;
    clearTimeout(this.#linger);
    this.#linger = setTimeout(() => {
      if (this.#routes.size === 0) {
        this.#shutdown(new TransportError({ message: 'Closed', retryable: true }), CLOSE_NORMAL);
      }
    }, this.#settings.lingerMs);
  }

  #shutdown(error: TransportError, code?: number): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    clearTimeout(this.#linger);
    const routes = [...this.#routes.values()];
    this.#routes.clear();
    this.#drains.clear();
    this.#pending = [];
    this.#settings.onClosed(this);
    for (const route of routes) if (route !== 'draining') route.fail(error);
    if (code !== undefined) {
      try {
        this.#socket.close(code);
      } catch {
        // Closing a socket that is already closing throws in some runtimes; it is gone anyway.
      }
    }
  }
}

function closeError(code: number): TransportError {
  if (code === WS_CLOSE_CODES.UNAUTHENTICATED) {
    return new TransportError({
      message: 'The gateway refused the API key (WebSocket closed with 4401)',
      retryable: false,
      status: 401,
      serverCode: 'SLUICE_ERR_UNAUTHENTICATED',
    });
  }
  return new TransportError({ message: `The WebSocket closed (code ${code})`, retryable: true });
}

function endError(reason: unknown): TransportError {
  return new TransportError({
    message: `The subscription ended before the log closed (${String(reason)})`,
    retryable: true,
  });
}

/**
 * The HTTP status of the codes a `subscribe` can be answered with (docs/websocket.md,
 * "Errors"), as in the catalogue of `@sluice/protocol`. The catalogue itself is not
 * imported: its messages would double the SDK's bundle. A code not listed here (a
 * backend outage, an internal error) is retried, and retries are bounded.
 */
export const SUBSCRIBE_ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  SLUICE_ERR_GENERATION_NOT_FOUND: 404,
  SLUICE_ERR_INVALID_OFFSET: 400,
  SLUICE_ERR_INVALID_REQUEST: 400,
  SLUICE_ERR_INVALID_JSON: 400,
  SLUICE_ERR_UNAUTHENTICATED: 401,
  SLUICE_ERR_FORBIDDEN: 403,
  SLUICE_ERR_TOO_MANY_CONCURRENT: 429,
  SLUICE_ERR_RATE_LIMITED: 429,
};

/** An `error` frame as the HTTP route would have answered it: with its status. */
function frameError(frame: ServerFrame): TransportError {
  const code = typeof frame.code === 'string' ? frame.code : undefined;
  const status =
    code !== undefined && Object.hasOwn(SUBSCRIBE_ERROR_STATUS, code)
      ? SUBSCRIBE_ERROR_STATUS[code as ErrorCode]
      : undefined;
  return new TransportError({
    message: typeof frame.message === 'string' ? frame.message : 'The gateway refused the read',
    retryable: status === undefined ? true : isRetryableStatus(status),
    status,
    serverCode: code,
  });
}
