/**
 * The frames of `GET /v1/ws` (docs/websocket.md): one JSON object per WebSocket text
 * message, `type` naming it. Several generations are multiplexed on one connection: every
 * `event` frame names its generation and carries the offset after it (as SSE ids do), so
 * a client that resubscribes from the last offset it received gets exactly what follows.
 */
import type { ErrorCode } from './errors.ts';

/** Authenticates a connection opened without `Authorization` (browsers): the first frame. */
export interface WsAuthFrame {
  type: 'auth';
  token: string;
}

/**
 * Starts a generation: the body of `POST /v1/generations` (same schema and limits) plus a
 * client-chosen `ref` that `started` and `error` echo. The new generation is subscribed
 * from its beginning at once.
 */
export interface WsStartFrame {
  type: 'start';
  ref: string;
  request: Record<string, unknown>;
}

/** Follows a generation's log from `offset` (exclusive; `-1` or absent: the beginning). */
export interface WsSubscribeFrame {
  type: 'subscribe';
  generationId: string;
  offset?: string;
}

export interface WsUnsubscribeFrame {
  type: 'unsubscribe';
  generationId: string;
}

/** Cancels a generation (as `POST /v1/generations/{id}/cancel`); subscribers see its end. */
export interface WsCancelFrame {
  type: 'cancel';
  generationId: string;
}

export interface WsPingFrame {
  type: 'ping';
  ref?: string;
}

export type WsClientFrame =
  | WsAuthFrame
  | WsStartFrame
  | WsSubscribeFrame
  | WsUnsubscribeFrame
  | WsCancelFrame
  | WsPingFrame;

export type WsClientFrameType = WsClientFrame['type'];

export const WS_CLIENT_FRAME_TYPES: readonly WsClientFrameType[] = [
  'auth',
  'start',
  'subscribe',
  'unsubscribe',
  'cancel',
  'ping',
];

/** `auth` accepted (sent after a first-frame `auth` only). */
export interface WsReadyFrame {
  type: 'ready';
}

export interface WsStartedFrame {
  type: 'started';
  ref: string;
  generationId: string;
}

/** One generation event; `offset` is where a resubscribe continues (the offset after it). */
export interface WsEventFrame {
  type: 'event';
  generationId: string;
  offset: string;
  /** The generation event (`text-delta`, `response-finish`, …) exactly as stored. */
  event: { type: string } & Record<string, unknown>;
}

/**
 * Why a subscription ended: `closed` — the log closed (the generation ended and every
 * event was sent); `unsubscribed`; `failed` — reading the log failed (an `error` frame
 * came first; resubscribe from the last offset). A connection that closes ends its
 * subscriptions without `end` frames (its close code says why).
 */
export type WsEndReason = 'closed' | 'unsubscribed' | 'failed';

export interface WsEndFrame {
  type: 'end';
  generationId: string;
  reason: WsEndReason;
}

/** A refused frame or a failed subscription; codes from the HTTP error catalogue. */
export interface WsErrorFrame {
  type: 'error';
  ref?: string;
  generationId?: string;
  code: ErrorCode;
  message: string;
}

export interface WsPongFrame {
  type: 'pong';
  ref?: string;
}

export type WsServerFrame =
  | WsReadyFrame
  | WsStartedFrame
  | WsEventFrame
  | WsEndFrame
  | WsErrorFrame
  | WsPongFrame;

/**
 * Close codes the gateway uses. 1000–1015 are the standard ones (RFC 6455); 4xxx are
 * Sluice's own. A slow reader's socket is dropped without a close frame (the client sees
 * 1006), as an SSE response is: it resubscribes from its last offsets.
 */
export const WS_CLOSE_CODES = {
  /** The gateway is shutting down (drain); reconnect elsewhere or later. */
  GOING_AWAY: 1001,
  /** Too many client frames per second. */
  POLICY_VIOLATION: 1008,
  /** A frame over the size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** Something failed in the gateway. */
  INTERNAL_ERROR: 1011,
  /** The `auth` frame's token was refused, or the first frame was not `auth`. */
  UNAUTHENTICATED: 4401,
  /** No `auth` frame arrived in time. */
  AUTH_TIMEOUT: 4408,
} as const;
