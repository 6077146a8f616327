/**
 * The reader policy of one WebSocket connection, which every subscription on it shares:
 * one abort signal (client gone, reader cut, server closing, peer dead), the slow-reader
 * cut, the buffer cap, heartbeats (WebSocket pings) and the dead-peer timeout.
 *
 * It is `ReaderConnection`'s policy for a socket many subscriptions write to: a batch is
 * sent as one message per frame in one corked socket write; a batch the socket cannot take
 * at once makes its subscription wait for `drain` (every waiting subscription shares one
 * wait). Once the socket took what it could, a connection still holding more than
 * `maxBufferedBytes` unsent besides that batch is cut at once; one holding less is cut if
 * it takes nothing for `stalledReaderTimeoutMs`. A cut drops the socket without a close
 * frame (it would queue behind what the client does not read): the client sees 1006 and
 * resubscribes each generation from the last offset it received.
 */
import { WS_CLOSE_CODES } from '@sluice/protocol';
import { onAbort } from '../store/abort-listeners.ts';
import type { DetachReason } from './frame.ts';
import { HeartbeatTicker } from './heartbeat-ticker.ts';
import type { ReaderLimits } from './reader-connection.ts';

/** What the connection needs of a `ws` WebSocket (kept structural: no `ws` types here). */
export interface WebSocketPeer {
  readonly readyState: number;
  /** Bytes queued and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'close' | 'pong', listener: () => void): unknown;
}

/** The TCP socket under the WebSocket: where `drain` comes from and writes are corked. */
export interface WebSocketWire {
  readonly writableNeedDrain: boolean;
  cork(): void;
  uncork(): void;
  on(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
}

export interface WebSocketConnectionOptions extends ReaderLimits {
  /** WebSocket pings while idle; 0: none. */
  heartbeatIntervalMs: number;
  /** A peer silent this long (no frame, no pong) is dropped; checked at each heartbeat. */
  idleTimeoutMs: number;
  /** Closes the connection with 1001 when the server shuts down. */
  shutdownSignal?: AbortSignal | undefined;
}

/** `ws`'s `readyState` of an open socket. */
const OPEN = 1;

export class WebSocketConnection {
  readonly #peer: WebSocketPeer;
  readonly #wire: WebSocketWire;
  readonly #options: WebSocketConnectionOptions;
  readonly #controller = new AbortController();
  readonly #cancelShutdown: () => void;
  readonly #stopHeartbeat: () => void;
  #reason: DetachReason = 'completed';
  #drained: Promise<void> | undefined;
  #lastHeard = performance.now();

  constructor(peer: WebSocketPeer, wire: WebSocketWire, options: WebSocketConnectionOptions) {
    this.#peer = peer;
    this.#wire = wire;
    this.#options = options;
    peer.on('close', () => this.#stop('client-disconnected'));
    peer.on('pong', () => this.heard());
    this.#cancelShutdown = options.shutdownSignal
      ? onAbort(options.shutdownSignal, () => this.close('shutdown'))
      : () => {};
    this.#stopHeartbeat = HeartbeatTicker.join(options.heartbeatIntervalMs, () => this.#beat());
  }

  /** Aborts when the connection ends, whoever ended it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the connection ended; `completed` while it is open. */
  get endReason(): DetachReason {
    return this.#reason;
  }

  /** The peer said something (a frame): it is alive. */
  heard(): void {
    this.#lastHeard = performance.now();
  }

  /**
   * Sends messages in one socket write. Returns a promise, resolved when the socket takes
   * more, only when it cannot take them at once: the usual batch costs no promise.
   */
  send(messages: readonly string[]): Promise<void> | undefined {
    if (this.#controller.signal.aborted || this.#peer.readyState !== OPEN) return undefined;
    let bytes = 0;
    this.#wire.cork();
    try {
      for (const message of messages) {
        this.#peer.send(message);
        bytes += message.length;
      }
    } finally {
      this.#wire.uncork();
    }
    if (!this.#wire.writableNeedDrain) return undefined;
    return this.#waitForDrain(bytes);
  }

  /** One message outside any batch (answers to client frames); never waits. */
  sendNow(message: string): void {
    if (!this.#controller.signal.aborted && this.#peer.readyState === OPEN) {
      this.#peer.send(message);
    }
  }

  /** Closes with a code (a close handshake); `reason` is what the audit of its reads says. */
  close(reason: DetachReason, code: number = WS_CLOSE_CODES.GOING_AWAY, text = ''): void {
    if (this.#controller.signal.aborted) return;
    this.#stop(reason);
    this.#peer.close(code, text);
  }

  /** Drops the socket without a close handshake (slow or dead peer). */
  cut(reason: DetachReason): void {
    if (this.#controller.signal.aborted) return;
    this.#stop(reason);
    this.#peer.terminate();
  }

  #waitForDrain(justWritten: number): Promise<void> {
    // Writes of one turn are offered to the socket at its end; what is still unsent
    // after that, besides this batch, is what the client failed to take.
    setImmediate(() => {
      if (this.#peer.bufferedAmount - justWritten > this.#options.maxBufferedBytes) {
        this.cut('cut-buffer-limit');
      }
    });
    this.#drained ??= new Promise<void>((resolve) => {
      const stalled = setTimeout(
        () => this.cut('cut-stalled'),
        this.#options.stalledReaderTimeoutMs,
      );
      let cancelAbort = (): void => {};
      const done = (): void => {
        clearTimeout(stalled);
        cancelAbort();
        this.#wire.off('drain', done);
        this.#drained = undefined;
        resolve();
      };
      this.#wire.on('drain', done);
      cancelAbort = onAbort(this.#controller.signal, done);
    });
    return this.#drained;
  }

  #beat(): void {
    if (performance.now() - this.#lastHeard > this.#options.idleTimeoutMs) {
      this.cut('client-disconnected');
      return;
    }
    // A draining socket needs no ping: it is busy, and its pong would queue behind.
    if (this.#drained === undefined && this.#peer.readyState === OPEN) this.#peer.ping();
  }

  #stop(reason: DetachReason): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = reason;
    this.#stopHeartbeat();
    this.#cancelShutdown();
    this.#controller.abort();
  }
}
