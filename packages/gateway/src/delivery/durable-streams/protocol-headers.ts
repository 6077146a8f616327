/**
 * Durable Streams header names and the parsing of request headers whose syntax the
 * protocol pins down (TTL, expiry, producer tuples, fork points). Parsers return
 * undefined for "absent" and throw `ProtocolRequestError` (answered 400) for malformed.
 */
import type { ProducerTuple } from '../../store/stream-store.ts';

export const HEADER = {
  nextOffset: 'stream-next-offset',
  upToDate: 'stream-up-to-date',
  cursor: 'stream-cursor',
  closed: 'stream-closed',
  ttl: 'stream-ttl',
  expiresAt: 'stream-expires-at',
  sequence: 'stream-seq',
  forkedFrom: 'stream-forked-from',
  forkOffset: 'stream-fork-offset',
  forkSubOffset: 'stream-fork-sub-offset',
  sseDataEncoding: 'stream-sse-data-encoding',
  producerId: 'producer-id',
  producerEpoch: 'producer-epoch',
  producerSeq: 'producer-seq',
  producerExpectedSeq: 'producer-expected-seq',
  producerReceivedSeq: 'producer-received-seq',
} as const;

/** A request the protocol calls malformed: answered 400 with this message. */
export class ProtocolRequestError extends Error {
  override readonly name = 'ProtocolRequestError';
}

type Headers = Record<string, string | string[] | undefined>;

export function singleHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) {
    throw new ProtocolRequestError(`The ${name} header must appear once`);
  }
  return value;
}

/** Decimal without sign, leading zeros, fraction or exponent, within 2^53 - 1. */
const STRICT_INTEGER = /^(?:0|[1-9]\d*)$/;

export function parseStrictInteger(value: string, name: string): number {
  const number = Number(value);
  if (!STRICT_INTEGER.test(value) || !Number.isSafeInteger(number)) {
    throw new ProtocolRequestError(`The ${name} header must be a non-negative integer`);
  }
  return number;
}

export function parseTtlSeconds(headers: Headers): number | undefined {
  const value = singleHeader(headers, HEADER.ttl);
  return value === undefined ? undefined : parseStrictInteger(value, HEADER.ttl);
}

const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

export function parseExpiresAt(headers: Headers): Date | undefined {
  const value = singleHeader(headers, HEADER.expiresAt);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!RFC_3339.test(value) || Number.isNaN(date.getTime())) {
    throw new ProtocolRequestError('Stream-Expires-At must be an RFC 3339 timestamp');
  }
  return date;
}

export function parseClosedFlag(headers: Headers): boolean {
  return singleHeader(headers, HEADER.closed)?.toLowerCase() === 'true';
}

/** All three producer headers or none; `Producer-Id` must not be empty. */
export function parseProducer(headers: Headers): ProducerTuple | undefined {
  const id = singleHeader(headers, HEADER.producerId);
  const epoch = singleHeader(headers, HEADER.producerEpoch);
  const seq = singleHeader(headers, HEADER.producerSeq);
  if (id === undefined && epoch === undefined && seq === undefined) return undefined;
  if (id === undefined || epoch === undefined || seq === undefined) {
    throw new ProtocolRequestError(
      'Producer-Id, Producer-Epoch and Producer-Seq must be sent together',
    );
  }
  if (id.length === 0) throw new ProtocolRequestError('Producer-Id must not be empty');
  return {
    id,
    epoch: parseStrictInteger(epoch, HEADER.producerEpoch),
    seq: parseStrictInteger(seq, HEADER.producerSeq),
  };
}
