/**
 * The WebSocket transport: one subscription to one generation's log on a multiplexed
 * connection (`websocket-connection.ts` holds the socket and its reader policy). Each
 * event frame becomes one `event` message naming the generation, with the frame's id as
 * `offset` and its data inserted unparsed as `event`, so no reader re-decodes stored
 * bytes. When delivery ends the subscription says why in an `end` message (unless the
 * connection itself is gone); a read that failed mid-stream is an `error` message first.
 */
import {
  ERROR_CATALOGUE,
  type ErrorCode,
  type WsEndReason,
  type WsErrorFrame,
} from '@sluice/protocol';
import { onAbort } from '../store/abort-listeners.ts';
import type { ReadBatch } from '../store/stream-store.ts';
import type { DetachReason, EventFrame, FrameTransport, RelayFailure } from './frame.ts';
import type { WebSocketConnection } from './websocket-connection.ts';

export class WebSocketTransport implements FrameTransport<EventFrame> {
  readonly #connection: WebSocketConnection;
  readonly #generationId: string;
  /** `{"type":"event","generationId":"…","offset":` — the same for every event. */
  readonly #prefix: string;
  readonly #controller = new AbortController();
  readonly #leaveConnection: () => void;
  #unsubscribed = false;
  #ended = false;

  constructor(connection: WebSocketConnection, generationId: string) {
    this.#connection = connection;
    this.#generationId = generationId;
    this.#prefix = `{"type":"event","generationId":${JSON.stringify(generationId)},"offset":`;
    this.#leaveConnection = onAbort(connection.signal, () => this.#controller.abort());
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get endReason(): DetachReason {
    // The client left this generation, not the connection: as an SSE reader that hung up.
    if (this.#unsubscribed) return 'client-disconnected';
    return this.#connection.signal.aborted ? this.#connection.endReason : 'completed';
  }

  send(frames: readonly EventFrame[]): Promise<void> | undefined {
    if (this.#controller.signal.aborted) return undefined;
    const messages: string[] = [];
    for (const frame of frames) {
      // A frame without an id is the connection's failure notice, not a log event.
      messages.push(
        frame.id === undefined
          ? failureMessage(this.#generationId, frame.data)
          : `${this.#prefix}${JSON.stringify(frame.id)},"event":${frame.data}}`,
      );
    }
    return this.#connection.send(messages);
  }

  /** The client unsubscribed: say so now (nothing of this subscription follows) and stop. */
  unsubscribe(): void {
    if (this.#ended || this.#unsubscribed) return;
    this.#unsubscribed = true;
    this.#sendEnd('unsubscribed');
    this.#controller.abort();
  }

  end(last: ReadBatch, failure?: RelayFailure): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#leaveConnection();
    if (this.#unsubscribed || this.#connection.signal.aborted) return;
    // Following ends only when the log closed, delivery was stopped or reading failed.
    this.#sendEnd(failure === undefined && last.closed ? 'closed' : 'failed');
  }

  #sendEnd(reason: WsEndReason): void {
    this.#connection.sendNow(
      JSON.stringify({ type: 'end', generationId: this.#generationId, reason }),
    );
  }
}

/** The `error` message for a read that failed after the subscription started. */
function failureMessage(generationId: string, data: string): string {
  let event: { code?: unknown; message?: unknown } = {};
  try {
    event = JSON.parse(data) as { code?: unknown; message?: unknown };
  } catch {
    // Not the encoder's failure event after all: it is described as an internal failure.
  }
  const code: ErrorCode =
    typeof event.code === 'string' && event.code in ERROR_CATALOGUE
      ? (event.code as ErrorCode)
      : 'SLUICE_ERR_INTERNAL';
  const message = typeof event.message === 'string' ? event.message : ERROR_CATALOGUE[code].message;
  const frame: WsErrorFrame = { type: 'error', generationId, code, message };
  return JSON.stringify(frame);
}
