/**
 * A read answered with one batch as the response body (catch-up and long-poll): the
 * protocol headers, an ETag that names exactly this range, 304 for a matching
 * `If-None-Match`, and the body (JSON messages as one array, bytes concatenated).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadBatch, StreamInfo } from '../../store/stream-store.ts';
import { joinJsonMessages } from './json-messages.ts';
import { HEADER } from './protocol-headers.ts';
import { CATCH_UP_CACHE, NO_STORE } from './response-headers.ts';

export const EMPTY_JSON_ARRAY = Buffer.from('[]');
export const EMPTY = Buffer.alloc(0);

export function bodyOf(batch: ReadBatch, json: boolean): Buffer {
  if (json)
    return batch.messages.length === 0 ? EMPTY_JSON_ARRAY : joinJsonMessages(batch.messages);
  if (batch.messages.length === 0) return EMPTY;
  return Buffer.concat(batch.messages.map((message) => message.data));
}

/** Headers and body of a read that returns data (or an empty catch-up). */
export function sendBatch(
  reply: FastifyReply,
  request: FastifyRequest,
  info: StreamInfo,
  startOffset: string,
  batch: ReadBatch,
  body: Buffer,
): FastifyReply {
  reply.header('content-type', info.contentType);
  reply.header(HEADER.nextOffset, batch.nextOffset);
  if (batch.upToDate) reply.header(HEADER.upToDate, 'true');
  if (batch.closed) reply.header(HEADER.closed, 'true');
  // The stream's creation time keeps a re-created stream's responses from matching old ETags.
  const etag = `"${info.createdAt.getTime().toString(36)}:${startOffset}:${batch.nextOffset}${batch.closed ? ':c' : ''}"`;
  reply.header('etag', etag);
  reply.header('cache-control', batch.messages.length > 0 ? CATCH_UP_CACHE : NO_STORE);
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.code(200).send(body);
}
