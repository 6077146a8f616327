/**
 * Long-poll reads through the relay core: deliver the first batch that has messages as
 * an ordinary response (headers, ETag, body), or answer 204 when the stream stays quiet
 * for `longPollTimeoutMs`, closes, or the server shuts down. The body goes out through
 * Fastify; the reader connection still cuts a client that does not take it in time.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isJsonMediaType } from '../../store/media-type.ts';
import type { ReadBatch, StreamInfo } from '../../store/stream-store.ts';
import type { DetachReason, FrameEncoder, FrameTransport, RelayFailure } from '../frame.ts';
import { ReaderConnection } from '../reader-connection.ts';
import { relay } from '../relay.ts';
import { bodyOf, sendBatch } from './batch-response.ts';
import type { DurableStreamsContext, LiveReadTarget } from './durable-streams-context.ts';
import { sendError, sendKnownError } from './durable-streams-errors.ts';
import { HEADER } from './protocol-headers.ts';
import { NO_STORE } from './response-headers.ts';
import { nextCursor } from './stream-cursor.ts';

/** A long-poll answer: the batch's messages as the response body. */
export interface BodyFrame {
  batch: ReadBatch;
  body: Buffer;
}

class LongPollEncoder implements FrameEncoder<BodyFrame> {
  readonly #json: boolean;

  constructor(json: boolean) {
    this.#json = json;
  }

  encode(batch: ReadBatch): BodyFrame[] {
    return batch.messages.length > 0 ? [{ batch, body: bodyOf(batch, this.#json) }] : [];
  }
}

class LongPollTransport implements FrameTransport<BodyFrame> {
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  readonly #info: StreamInfo;
  readonly #startOffset: string;
  readonly #cursor: string;
  readonly #connection: ReaderConnection;
  #answered = false;

  constructor(
    context: DurableStreamsContext,
    request: FastifyRequest,
    reply: FastifyReply,
    target: LiveReadTarget,
  ) {
    this.#request = request;
    this.#reply = reply;
    this.#info = target.info;
    this.#startOffset = target.offset;
    this.#connection = new ReaderConnection(reply.raw, {
      ...context.readerLimits,
      shutdownSignal: context.shutdown,
      holdMs: context.longPollTimeoutMs,
    });
    this.#cursor = nextCursor(target.cursor);
  }

  get signal(): AbortSignal {
    return this.#connection.signal;
  }

  get endReason(): DetachReason {
    return this.#connection.endReason;
  }

  send(frames: readonly BodyFrame[]): Promise<void> | undefined {
    const [frame] = frames;
    if (frame === undefined || this.#answered) return undefined;
    this.#answered = true;
    this.#reply.header(HEADER.cursor, this.#cursor);
    sendBatch(this.#reply, this.#request, this.#info, this.#startOffset, frame.batch, frame.body);
    return this.#connection.whenFinished();
  }

  end(last: ReadBatch, failure?: RelayFailure): void {
    this.#connection.release();
    if (this.#answered) return;
    this.#answered = true;
    if (this.#reply.raw.destroyed) {
      // The client left during the wait: there is nobody to answer.
      this.#reply.hijack();
      return;
    }
    if (failure !== undefined) {
      // The stream was deleted or expired during the wait: answered like any read of it.
      if (!sendKnownError(this.#reply, failure.error)) {
        this.#request.log.error({ err: failure.error }, 'long-poll read failed');
        sendError(this.#reply, 'SLUICE_ERR_INTERNAL');
      }
      return;
    }
    this.#reply.header(HEADER.cursor, this.#cursor);
    this.#reply.header(HEADER.nextOffset, last.nextOffset).header(HEADER.upToDate, 'true');
    if (last.closed) this.#reply.header(HEADER.closed, 'true');
    this.#reply.header('cache-control', NO_STORE).code(204).send();
  }
}

export async function longPoll(
  context: DurableStreamsContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: LiveReadTarget,
): Promise<FastifyReply> {
  const reader = await context.readerPolicy(request, target.path, 'long-poll');
  await relay(context.store, target.path, target.offset, {
    encoder: new LongPollEncoder(isJsonMediaType(target.info.contentType)),
    reader,
    follow: false,
    bounds: context.readBounds,
    maxBufferedBytes: context.readerLimits.maxBufferedBytes,
    open: () => new LongPollTransport(context, request, reply, target),
  });
  return reply;
}
