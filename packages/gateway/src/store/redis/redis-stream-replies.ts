/**
 * What the Redis stream store's scripts take and answer: an append's messages flattened
 * into one buffer and its message ends, reply fields read as text or integers, and the
 * scripts' status words mapped to the store's errors.
 */
import { OffsetMemo } from '../offset-memo.ts';
import { type AppendMessages, isPacked } from '../stream-budget.ts';
import {
  ContentTypeMismatchError,
  InvalidOffsetError,
  ProducerEpochStaleError,
  ProducerSequenceError,
  StoreError,
  StreamBytesExceededError,
  StreamClosedError,
  StreamConflictError,
  StreamCountExceededError,
  StreamGoneError,
  StreamNotFoundError,
  StreamSeqConflictError,
} from '../stream-store.ts';

/** A script's answer: a status word, then its fields. */
export type Reply = (Buffer | number | null)[];

/** Stored data the store cannot read (corrupted, or written by something else). */
export class RedisStreamDataError extends StoreError {
  override readonly name = 'RedisStreamDataError';
  readonly code = 'SLUICE_ERR_STORE_DATA_INVALID' as const;
}

export function text(value: Buffer | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? String(value) : value.toString('utf8');
}

export function integer(value: Buffer | number | null | undefined): number {
  if (typeof value === 'number') return value;
  const parsed = Number(text(value));
  if (!Number.isFinite(parsed)) throw new RedisStreamDataError('The store answered a bad number');
  return parsed;
}

/** An append's messages as one buffer and the comma-separated end of each message. */
export function flatten(messages: AppendMessages): {
  data: Buffer;
  ends: string;
  messageEnds: number[];
} {
  if (isPacked(messages)) {
    const messageEnds = [...messages.ends];
    return {
      data: Buffer.from(messages.data.buffer, messages.data.byteOffset, messages.data.byteLength),
      ends: messageEnds.join(','),
      messageEnds,
    };
  }
  const messageEnds: number[] = [];
  let end = 0;
  for (const message of messages) {
    end += message.byteLength;
    messageEnds.push(end);
  }
  return { data: Buffer.concat(messages), ends: messageEnds.join(','), messageEnds };
}

export function throwIfFailed(reply: Reply): void {
  const status = text(reply[0]);
  const detail = text(reply[1]);
  switch (status) {
    case 'OK':
    case 'CREATED':
    case 'EXISTS':
    case 'DUPLICATE':
    case 'NONE':
      return;
    case 'NOT_FOUND':
      throw new StreamNotFoundError(detail);
    case 'GONE':
      throw new StreamGoneError(detail);
    case 'CONFLICT':
      throw new StreamConflictError(detail);
    case 'INVALID_OFFSET':
      throw new InvalidOffsetError(detail);
    case 'CLOSED':
      throw new StreamClosedError('The stream is closed', formatTail(reply[1]));
    case 'CONTENT_TYPE_MISMATCH':
      throw new ContentTypeMismatchError(detail);
    case 'SEQ_CONFLICT':
      throw new StreamSeqConflictError(detail);
    case 'EPOCH_STALE':
      throw new ProducerEpochStaleError(Number(detail));
    case 'SEQUENCE_GAP': {
      const expected = text(reply[2]);
      throw new ProducerSequenceError(
        Number(detail),
        expected === '' ? undefined : Number(expected),
      );
    }
    case 'COUNT_EXCEEDED':
      throw new StreamCountExceededError(Number(detail));
    case 'BYTES_EXCEEDED':
      throw new StreamBytesExceededError(Number(detail));
    default:
      throw new RedisStreamDataError(detail === '' ? 'The stream data is unreadable' : detail);
  }
}

function formatTail(value: Buffer | number | null | undefined): string {
  return new OffsetMemo().format(integer(value));
}
