/**
 * The read side of Durable Streams: HEAD (metadata) and catch-up GET with ETag/304 here;
 * live reads (long-poll and SSE) go through the relay core (`long-poll-response.ts`,
 * `sse-response.ts`), so they obey the reader policy. Every read goes through the one
 * store `read` primitive.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isJsonMediaType } from '../../store/media-type.ts';
import { type StreamInfo, StreamNotFoundError } from '../../store/stream-store.ts';
import { bodyOf, EMPTY, EMPTY_JSON_ARRAY, sendBatch } from './batch-response.ts';
import type { DurableStreamsContext } from './durable-streams-context.ts';
import { sendError } from './durable-streams-errors.ts';
import { longPoll } from './long-poll-response.ts';
import { HEADER } from './protocol-headers.ts';
import { parseReadQuery } from './read-query.ts';
import { NO_STORE, setExpiryHeaders, setStreamHeaders } from './response-headers.ts';
import { streamServerSentEvents } from './sse-response.ts';
import { toStorePath } from './stream-path.ts';

type StreamRequest = FastifyRequest<{ Params: { '*': string } }>;

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

export async function readStream(
  context: DurableStreamsContext,
  request: StreamRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const path = context.resolvePath(request, toStorePath(request.params['*']));
  const query = parseReadQuery(request.url);
  const info = await requireInfo(context, path);
  const offset = query.offset ?? '-1';
  if (query.live !== undefined) {
    const target = { path, info, offset, cursor: query.cursor };
    return query.live === 'sse'
      ? streamServerSentEvents(context, request, reply, target)
      : longPoll(context, request, reply, target);
  }
  const batch = await context.store.read(path, { offset, ...context.readBounds });
  const json = isJsonMediaType(info.contentType);
  if (offset === 'now') {
    // The tail moves, so a "now" answer must never be cached or given an ETag.
    reply.header('content-type', info.contentType);
    reply.header(HEADER.nextOffset, batch.nextOffset).header(HEADER.upToDate, 'true');
    if (batch.closed) reply.header(HEADER.closed, 'true');
    return reply
      .header('cache-control', NO_STORE)
      .code(200)
      .send(json ? EMPTY_JSON_ARRAY : EMPTY);
  }
  return sendBatch(reply, request, info, offset, batch, bodyOf(batch, json));
}
