/**
 * Headers every Durable Streams response carries (browser hardening) and the ones
 * describing a stream. CORS is not decided here: the app's policy (`http.cors`) answers
 * preflights and adds `Access-Control-*` only for the origins it allows, exposing
 * `STREAM_EXPOSED_HEADERS` and allowing `STREAM_CORS_METHODS` (and the request headers a
 * preflight asks for), so browser clients of an allowed origin can use the protocol.
 * Without that policy a stream answer carries no CORS header at all.
 */
import type { FastifyReply } from 'fastify';
import type { StreamInfo } from '../../store/stream-store.ts';
import { HEADER } from './protocol-headers.ts';

/** Protocol headers a browser client must be able to read. */
export const STREAM_EXPOSED_HEADERS: readonly string[] = [
  'Stream-Next-Offset',
  'Stream-Up-To-Date',
  'Stream-Cursor',
  'Stream-Closed',
  'Stream-TTL',
  'Stream-Expires-At',
  'Stream-SSE-Data-Encoding',
  'Producer-Epoch',
  'Producer-Seq',
  'Producer-Expected-Seq',
  'Producer-Received-Seq',
  'ETag',
  'Location',
  'Content-Type',
];

/** Methods the protocol uses, for preflights. */
export const STREAM_CORS_METHODS: readonly string[] = [
  'GET',
  'HEAD',
  'PUT',
  'POST',
  'DELETE',
  'OPTIONS',
];

export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
};

/**
 * What an `OPTIONS` that reaches the stream route itself adds: nothing. A preflight from
 * an allowed origin is answered by the app's CORS policy before it gets here; any other
 * must not learn that cross-origin use would be welcome.
 */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {};

/** HEAD and tail reads must not be cached: the tail moves. */
export const NO_STORE = 'no-store';
/** Bytes at an offset never change, so catch-up reads may be cached briefly (per user). */
export const CATCH_UP_CACHE = 'private, max-age=60, stale-while-revalidate=300';

export function setStreamHeaders(reply: FastifyReply, info: StreamInfo): void {
  reply.header('content-type', info.contentType);
  reply.header(HEADER.nextOffset, info.tailOffset);
  if (info.closed) reply.header(HEADER.closed, 'true');
}

export function setExpiryHeaders(reply: FastifyReply, info: StreamInfo): void {
  if (info.ttlSeconds !== undefined) reply.header(HEADER.ttl, String(info.ttlSeconds));
  if (info.expiresAt !== undefined) reply.header(HEADER.expiresAt, info.expiresAt.toISOString());
}
