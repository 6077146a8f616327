/**
 * Live reads as Server-Sent Events. The first batch is read before any byte is sent,
 * so a bad offset is still an ordinary 400; after that the response follows the
 * stream, writing each batch's events in one socket write, pausing while the socket
 * drains, and ending on close, deletion, disconnect, shutdown or the connection
 * lifetime (clients reconnect from the last control event's offset).
 */
import { once } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { ReadBatch, StreamInfo } from '../../store/stream-store.ts';
import type { DurableStreamsContext } from './durable-streams-context.ts';
import { HEADER } from './protocol-headers.ts';
import { createRequestSignal } from './request-signal.ts';
import { encodeBatchEvents, sseEncodingOf } from './sse-events.ts';
import { nextCursor } from './stream-cursor.ts';

export interface SseTarget {
  path: string;
  info: StreamInfo;
  offset: string;
  cursor: string | undefined;
}

export async function streamServerSentEvents(
  context: DurableStreamsContext,
  reply: FastifyReply,
  target: SseTarget,
): Promise<FastifyReply> {
  const { store } = context;
  const maxMessages = context.maxMessagesPerRead;
  let batch: ReadBatch = await store.read(target.path, { offset: target.offset, maxMessages });
  const encoding = sseEncodingOf(target.info.contentType);
  const cursor = nextCursor(target.cursor);
  const raw = reply.raw;
  reply.hijack();
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  headers['content-type'] = 'text/event-stream';
  headers['cache-control'] = 'no-cache, no-transform';
  headers['x-accel-buffering'] = 'no';
  if (encoding === 'base64') headers[HEADER.sseDataEncoding] = 'base64';
  raw.writeHead(200, headers);
  const live = createRequestSignal(reply, context.shutdown, context.sseLifetimeMs);
  context.heartbeat.add(raw);
  try {
    let first = true;
    for (;;) {
      if (first || batch.messages.length > 0 || batch.closed) {
        if (!raw.write(encodeBatchEvents(batch, encoding, { cursor }))) {
          await once(raw, 'drain', { signal: live.signal });
        }
      }
      first = false;
      if (batch.closed || live.signal.aborted) break;
      batch = await store.read(target.path, {
        offset: batch.nextOffset,
        wait: batch.upToDate,
        signal: live.signal,
        maxMessages,
      });
    }
  } catch {
    // Deletion, expiry, abort while draining or a store failure: end the response; the
    // client reconnects from its last offset and gets a proper status then.
  } finally {
    live.dispose();
    context.heartbeat.delete(raw);
    if (!raw.destroyed) raw.end();
  }
  return reply;
}
