/**
 * Turns store and request errors into Durable Streams responses: the status the
 * protocol requires, the headers it requires alongside (`Stream-Closed`,
 * `Producer-Epoch`, …) and Sluice's JSON error body. Client mistakes are never 500s,
 * and neither is a backend out of reach (503 `SLUICE_ERR_BACKEND_UNAVAILABLE`).
 */
import { ERROR_CATALOGUE, type ErrorCode } from '@sluice/protocol';
import type { FastifyReply } from 'fastify';
import { SluiceError } from '../../errors/sluice-error.ts';
import {
  ContentTypeMismatchError,
  InvalidOffsetError,
  ProducerEpochStaleError,
  ProducerSequenceError,
  StreamBytesExceededError,
  StreamClosedError,
  StreamConflictError,
  StreamCountExceededError,
  StreamGoneError,
  StreamNotFoundError,
  StreamSeqConflictError,
} from '../../store/stream-store.ts';
import { HEADER, ProtocolRequestError } from './protocol-headers.ts';
import { StreamRefusedError } from './stream-refusals.ts';

/** The storage faults answered with their own code rather than a bare 500. */
const STORAGE_CODES: ReadonlySet<string> = new Set([
  'SLUICE_ERR_BACKEND_UNAVAILABLE',
  'SLUICE_ERR_STORE_DATA_INVALID',
]);

export function sendError(reply: FastifyReply, code: ErrorCode, message?: string): FastifyReply {
  const entry = ERROR_CATALOGUE[code];
  return reply
    .code(entry.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: { code, message: message ?? entry.message } });
}

/** Answers a known error; returns false for anything else (a real server fault). */
export function sendKnownError(reply: FastifyReply, error: unknown): boolean {
  if (error instanceof ProtocolRequestError) {
    sendError(reply, 'SLUICE_ERR_INVALID_REQUEST', error.message);
  } else if (InvalidOffsetError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_INVALID_OFFSET', error.message);
  } else if (StreamNotFoundError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_STREAM_NOT_FOUND');
  } else if (StreamGoneError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_STREAM_GONE');
  } else if (StreamConflictError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_STREAM_CONFLICT', error.message);
  } else if (StreamClosedError.isInstance(error)) {
    reply.header(HEADER.closed, 'true');
    if (error.tailOffset !== undefined) reply.header(HEADER.nextOffset, error.tailOffset);
    sendError(reply, 'SLUICE_ERR_STREAM_CLOSED');
  } else if (
    StreamRefusedError.isInstance(error) ||
    StreamCountExceededError.isInstance(error) ||
    StreamBytesExceededError.isInstance(error)
  ) {
    sendError(reply, error.code, error.message);
  } else if (ContentTypeMismatchError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_CONTENT_TYPE_MISMATCH');
  } else if (StreamSeqConflictError.isInstance(error)) {
    sendError(reply, 'SLUICE_ERR_STREAM_SEQ_CONFLICT');
  } else if (ProducerEpochStaleError.isInstance(error)) {
    reply.header(HEADER.producerEpoch, String(error.currentEpoch));
    sendError(reply, 'SLUICE_ERR_PRODUCER_EPOCH_STALE');
  } else if (ProducerSequenceError.isInstance(error)) {
    if (error.expectedSeq === undefined) {
      sendError(reply, 'SLUICE_ERR_INVALID_REQUEST', error.message);
    } else {
      reply.header(HEADER.producerExpectedSeq, String(error.expectedSeq));
      reply.header(HEADER.producerReceivedSeq, String(error.receivedSeq));
      sendError(reply, 'SLUICE_ERR_PRODUCER_SEQUENCE_GAP');
    }
  } else if (SluiceError.isInstance(error) && STORAGE_CODES.has(error.code)) {
    // Redis away (503 with its Retry-After) or a stream's data unreadable: the catalogue's
    // message, not the error's, which is for operators.
    reply.headers(error.headers);
    sendError(reply, error.code);
  } else {
    return false;
  }
  return true;
}
