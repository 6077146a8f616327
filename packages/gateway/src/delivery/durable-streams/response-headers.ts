/**
 * Headers every Durable Streams response carries (browser hardening and CORS, so
 * browser clients can read the protocol headers) and the ones describing a stream.
 */
import type { FastifyReply } from 'fastify';
import type { StreamInfo } from '../../store/stream-store.ts';
import { HEADER } from './protocol-headers.ts';

const EXPOSED_HEADERS = [
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
].join(', ');

const ALLOWED_REQUEST_HEADERS = [
  'Content-Type',
  'If-None-Match',
  'Authorization',
  'Stream-TTL',
  'Stream-Expires-At',
  'Stream-Seq',
  'Stream-Closed',
  'Stream-Forked-From',
  'Stream-Fork-Offset',
  'Stream-Fork-Sub-Offset',
  'Producer-Id',
  'Producer-Epoch',
  'Producer-Seq',
].join(', ');

export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'cross-origin',
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED_HEADERS,
};

export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, HEAD, PUT, POST, DELETE, OPTIONS',
  'access-control-allow-headers': ALLOWED_REQUEST_HEADERS,
  'access-control-max-age': '86400',
};

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
