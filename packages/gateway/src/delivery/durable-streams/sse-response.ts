/**
 * Live reads as Server-Sent Events, through the relay core: the first batch is read
 * before any byte is sent (a bad offset is still an ordinary 400), then the response
 * follows the stream with the SSE transport — one write per batch, heartbeats, the
 * slow-reader cut and buffer cap — and ends on close, deletion, disconnect, shutdown or
 * the connection lifetime (clients reconnect from the last control event's offset).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { StreamGoneError, StreamNotFoundError } from '../../store/stream-store.ts';
import { relay } from '../relay.ts';
import { openSse } from '../sse-transport.ts';
import type { DurableStreamsContext, LiveReadTarget } from './durable-streams-context.ts';
import { HEADER } from './protocol-headers.ts';
import { DurableSseEncoder, sseEncodingOf } from './sse-encoder.ts';
import { nextCursor } from './stream-cursor.ts';

export async function streamServerSentEvents(
  context: DurableStreamsContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: LiveReadTarget,
): Promise<FastifyReply> {
  const encoding = sseEncodingOf(target.info.contentType);
  const reader = await context.readerPolicy(request, target.path, 'sse');
  await relay(context.store, target.path, target.offset, {
    encoder: new DurableSseEncoder(encoding, nextCursor(target.cursor)),
    reader,
    bounds: context.readBounds,
    maxBufferedBytes: context.readerLimits.maxBufferedBytes,
    onError: (error) => {
      // A stream deleted or expired under its readers is the protocol at work, not a fault.
      const gone = StreamNotFoundError.isInstance(error) || StreamGoneError.isInstance(error);
      if (gone) request.log.debug({ err: error }, 'live SSE read ended: the stream is gone');
      else request.log.warn({ err: error }, 'live SSE read failed');
    },
    open: () =>
      openSse(request, reply, {
        headers: {
          'content-type': 'text/event-stream',
          ...(encoding === 'base64' ? { [HEADER.sseDataEncoding]: 'base64' } : {}),
        },
        encoding: { compact: true },
        heartbeatIntervalMs: context.heartbeatMs,
        shutdownSignal: context.shutdown,
        holdMs: context.sseLifetimeMs,
        ...context.readerLimits,
      }),
  });
  return reply;
}
