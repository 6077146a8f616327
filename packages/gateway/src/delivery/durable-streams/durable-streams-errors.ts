/**
 * Turns store and request errors into Durable Streams responses: the status the
 * protocol requires, the headers it requires alongside (`Stream-Closed`,
 * `Producer-Epoch`, …) and Sluice's JSON error body. Client mistakes are never 500s.
 *
 * The codes below that are not yet in @sluice/protocol's ERROR_CATALOGUE belong there;
 * they are kept here until that catalogue gains them.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '@sluice/protocol';
import type { FastifyReply } from 'fastify';
import {
  ContentTypeMismatchError,
  InvalidOffsetError,
  ProducerEpochStaleError,
  ProducerSequenceError,
  StreamClosedError,
  StreamConflictError,
  StreamGoneError,
  StreamNotFoundError,
  StreamSeqConflictError,
} from '../../store/stream-store.ts';
import { HEADER, ProtocolRequestError } from './protocol-headers.ts';

export const STREAM_ERRORS = {
  SLUICE_ERR_STREAM_CONFLICT: {
    status: 409,
    message: 'The stream exists with a different configuration',
  },
  SLUICE_ERR_STREAM_CLOSED: { status: 409, message: 'The stream is closed' },
  SLUICE_ERR_STREAM_GONE: { status: 410, message: 'The stream was deleted' },
  SLUICE_ERR_CONTENT_TYPE_MISMATCH: {
    status: 409,
    message: "The content type does not match the stream's",
  },
  SLUICE_ERR_STREAM_SEQ_CONFLICT: {
    status: 409,
    message: 'Stream-Seq must be greater than the last one',
  },
  SLUICE_ERR_PRODUCER_EPOCH_STALE: { status: 403, message: 'The producer epoch is stale' },
  SLUICE_ERR_PRODUCER_SEQUENCE_GAP: { status: 409, message: 'The producer sequence has a gap' },
} as const satisfies Record<string, { status: number; message: string }>;

type StreamErrorCode = keyof typeof STREAM_ERRORS;

export function sendError(
  reply: FastifyReply,
  code: ErrorCode | StreamErrorCode,
  message?: string,
): FastifyReply {
  const entry =
    code in STREAM_ERRORS
      ? STREAM_ERRORS[code as StreamErrorCode]
      : ERROR_CATALOGUE[code as ErrorCode];
  return reply
    .code(entry.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { code, message: message ?? entry.message } });
}

/** Answers a known error; returns false for anything else (a real server fault). */
export function sendKnownError(reply: FastifyReply, error: unknown): boolean {
  if (error instanceof ProtocolRequestError) {
    sendError(reply, 'SLUICE_ERR_INVALID_REQUEST', error.message);
  } else if (error instanceof InvalidOffsetError) {
    sendError(reply, 'SLUICE_ERR_INVALID_OFFSET', error.message);
  } else if (error instanceof StreamNotFoundError) {
    sendError(reply, 'SLUICE_ERR_STREAM_NOT_FOUND');
  } else if (error instanceof StreamGoneError) {
    sendError(reply, 'SLUICE_ERR_STREAM_GONE');
  } else if (error instanceof StreamConflictError) {
    sendError(reply, 'SLUICE_ERR_STREAM_CONFLICT', error.message);
  } else if (error instanceof StreamClosedError) {
    reply.header(HEADER.closed, 'true');
    if (error.tailOffset !== undefined) reply.header(HEADER.nextOffset, error.tailOffset);
    sendError(reply, 'SLUICE_ERR_STREAM_CLOSED');
  } else if (error instanceof ContentTypeMismatchError) {
    sendError(reply, 'SLUICE_ERR_CONTENT_TYPE_MISMATCH');
  } else if (error instanceof StreamSeqConflictError) {
    sendError(reply, 'SLUICE_ERR_STREAM_SEQ_CONFLICT');
  } else if (error instanceof ProducerEpochStaleError) {
    reply.header(HEADER.producerEpoch, String(error.currentEpoch));
    sendError(reply, 'SLUICE_ERR_PRODUCER_EPOCH_STALE');
  } else if (error instanceof ProducerSequenceError) {
    if (error.expectedSeq === undefined) {
      sendError(reply, 'SLUICE_ERR_INVALID_REQUEST', error.message);
    } else {
      reply.header(HEADER.producerExpectedSeq, String(error.expectedSeq));
      reply.header(HEADER.producerReceivedSeq, String(error.receivedSeq));
      sendError(reply, 'SLUICE_ERR_PRODUCER_SEQUENCE_GAP');
    }
  } else {
    return false;
  }
  return true;
}
