/**
 * The SSE transport: one HTTP response (HTTP/1.1 or HTTP/2) carrying event frames as
 * Server-Sent Events. It writes the headers proxies need, optionally a first byte at once,
 * `: keep-alive` comments from the shared ticker while idle, and each batch's frames in one
 * write through the reader connection (slow-reader cut, buffer cap). Native events, OpenAI
 * chunks and Durable Streams SSE all travel through it; only their encoders differ.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { encodeSseComment, encodeSseMessage, type SseEncodingOptions } from '@sluice/protocol';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadBatch } from '../store/stream-store.ts';
import type { DetachReason, EventFrame, FrameTransport, RelayFailure } from './frame.ts';
import { HeartbeatTicker } from './heartbeat-ticker.ts';
import { ReaderConnection, type ReaderLimits, type ReaderResponse } from './reader-connection.ts';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

const KEEP_ALIVE = encodeSseComment('keep-alive');

export interface SseTransportOptions extends ReaderLimits {
  /** Added to (and overriding) `SSE_HEADERS`. */
  headers?: OutgoingHttpHeaders;
  /** `: keep-alive` comments while idle, so proxies keep the stream open; 0: none. */
  heartbeatIntervalMs: number;
  shutdownSignal?: AbortSignal | undefined;
  /** Ends the response after this long, so clients reconnect (CDN request collapsing). */
  holdMs?: number | undefined;
  /** A comment written at once, so the client sees a first byte before the first event. */
  openingComment?: string;
  /** SSE spelling, e.g. Durable Streams' compact `data:` lines. */
  encoding?: SseEncodingOptions;
}

/** What the SSE transport writes for a batch's frames: one string, one socket write. */
export function sseText(frames: readonly EventFrame[], encoding?: SseEncodingOptions): string {
  let text = '';
  for (const frame of frames) text += encodeSseMessage(frame, encoding);
  return text;
}

type SseRequest = Pick<IncomingMessage | Http2ServerRequest, 'httpVersionMajor'>;
type SseResponse = ReaderResponse & {
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
};

export class SseTransport implements FrameTransport<EventFrame> {
  readonly #connection: ReaderConnection;
  readonly #stopHeartbeat: () => void;
  readonly #encoding: SseEncodingOptions | undefined;

  constructor(request: SseRequest, response: SseResponse, options: SseTransportOptions) {
    const headers: OutgoingHttpHeaders = { ...SSE_HEADERS, ...options.headers };
    // HTTP/1.1 only: HTTP/2 forbids hop-by-hop headers.
    if (request.httpVersionMajor === 1) headers.connection = 'keep-alive';
    response.writeHead(200, headers);
    this.#encoding = options.encoding;
    this.#connection = new ReaderConnection(response, options);
    if (options.openingComment !== undefined) {
      void this.#connection.write(encodeSseComment(options.openingComment));
    }
    const connection = this.#connection;
    this.#stopHeartbeat = HeartbeatTicker.join(options.heartbeatIntervalMs, () =>
      connection.writeIfIdle(KEEP_ALIVE),
    );
  }

  get signal(): AbortSignal {
    return this.#connection.signal;
  }

  get endReason(): DetachReason {
    return this.#connection.endReason;
  }

  send(frames: readonly EventFrame[]): Promise<void> | undefined {
    return this.#connection.write(sseText(frames, this.#encoding));
  }

  /** A failure needs no answer: the response is committed, so it just ends. */
  end(_last: ReadBatch, _failure?: RelayFailure): void {
    this.#stopHeartbeat();
    this.#connection.end();
  }
}

/**
 * Commits a Fastify reply as an SSE response: takes the reply over from Fastify and
 * keeps the headers set on it so far (CORS, rate limits, protocol headers).
 */
export function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  options: SseTransportOptions,
): SseTransport {
  reply.hijack();
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  return new SseTransport(request.raw, reply.raw as unknown as SseResponse, {
    ...options,
    headers: { ...headers, ...options.headers },
  });
}
