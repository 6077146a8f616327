/**
 * The read side of Durable Streams: HEAD (metadata), catch-up GET with ETag/304, and
 * long-poll GET; SSE is handed to `sse-response.ts`. Every read goes through the one
 * store `read` primitive.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isJsonMediaType } from '../../store/media-type.ts';
import { type ReadBatch, type StreamInfo, StreamNotFoundError } from '../../store/stream-store.ts';
import type { DurableStreamsContext } from './durable-streams-context.ts';
import { sendError } from './durable-streams-errors.ts';
import { joinJsonMessages } from './json-messages.ts';
import { HEADER } from './protocol-headers.ts';
import { parseReadQuery } from './read-query.ts';
import { createRequestSignal } from './request-signal.ts';
import {
  CATCH_UP_CACHE,
  NO_STORE,
  setExpiryHeaders,
  setStreamHeaders,
} from './response-headers.ts';
import { streamServerSentEvents } from './sse-response.ts';
import { nextCursor } from './stream-cursor.ts';
import { toStorePath } from './stream-path.ts';

type StreamRequest = FastifyRequest<{ Params: { '*': string } }>;

const EMPTY_JSON_ARRAY = Buffer.from('[]');
const EMPTY = Buffer.alloc(0);

async function requireInfo(context: DurableStreamsContext, path: string): Promise<StreamInfo> {
  const info = await context.store.head(path);
  if (info === undefined) throw new StreamNotFoundError('The stream does not exist');
  return info;
}

export async function headStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const info = await context.store.head(
    context.resolvePath(request, toStorePath(request.params['*'])),
  );
  if (info === undefined) return sendError(reply, 'SLUICE_ERR_STREAM_NOT_FOUND');
  setStreamHeaders(reply, info);
  setExpiryHeaders(reply, info);
  return reply.header('cache-control', NO_STORE).code(200).send();
}

function bodyOf(batch: ReadBatch, json: boolean): Buffer {
  if (json)
    return batch.messages.length === 0 ? EMPTY_JSON_ARRAY : joinJsonMessages(batch.messages);
  if (batch.messages.length === 0) return EMPTY;
  return Buffer.concat(batch.messages.map((message) => message.data));
}

/** Headers and body of a read that returns data (or an empty catch-up). */
function sendBatch(
  reply: FastifyReply,
  request: StreamRequest,
  info: StreamInfo,
  startOffset: string,
  batch: ReadBatch,
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
  return reply.code(200).send(bodyOf(batch, isJsonMediaType(info.contentType)));
}

export async function readStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const path = context.resolvePath(request, toStorePath(request.params['*']));
  const query = parseReadQuery(request.url);
  const info = await requireInfo(context, path);
  const offset = query.offset ?? '-1';
  if (query.live === 'sse') {
    return streamServerSentEvents(context, reply, { path, info, offset, cursor: query.cursor });
  }
  const maxMessages = context.maxMessagesPerRead;
  if (query.live === undefined) {
    const batch = await context.store.read(path, { offset, maxMessages });
    if (offset === 'now') {
      // The tail moves, so a "now" answer must never be cached or given an ETag.
      reply.header('content-type', info.contentType);
      reply.header(HEADER.nextOffset, batch.nextOffset).header(HEADER.upToDate, 'true');
      if (batch.closed) reply.header(HEADER.closed, 'true');
      return reply
        .header('cache-control', NO_STORE)
        .code(200)
        .send(isJsonMediaType(info.contentType) ? EMPTY_JSON_ARRAY : EMPTY);
    }
    return sendBatch(reply, request, info, offset, batch);
  }
  const live = createRequestSignal(reply, context.shutdown, context.longPollTimeoutMs);
  let batch: ReadBatch;
  try {
    batch = await context.store.read(path, {
      offset,
      wait: true,
      signal: live.signal,
      maxMessages,
    });
  } finally {
    live.dispose();
  }
  if (reply.raw.destroyed) {
    // The client left during the wait: there is nobody to answer.
    reply.hijack();
    return reply;
  }
  reply.header(HEADER.cursor, nextCursor(query.cursor));
  if (batch.messages.length > 0) return sendBatch(reply, request, info, offset, batch);
  reply.header(HEADER.nextOffset, batch.nextOffset).header(HEADER.upToDate, 'true');
  if (batch.closed) reply.header(HEADER.closed, 'true');
  return reply.header('cache-control', NO_STORE).code(204).send();
}
