/**
 * JSON mode framing. An append body is one JSON value; a top-level array is flattened
 * one level into several messages. Messages keep the exact bytes the client sent (found
 * by a byte scan after `JSON.parse` validated the body), so numbers and formatting
 * survive untouched and nothing is re-serialized. Several messages are packed back to
 * back into one buffer with a table of where each ends, so an append costs one buffer and
 * four bytes per message, never a buffer view per message; and an append may carry at
 * most `maxMessages` of them (413 `SLUICE_ERR_TOO_MANY_MESSAGES`).
 */
import { ProtocolRequestError } from './protocol-headers.ts';
import { StreamRefusedError } from './stream-refusals.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isJsonWhitespace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function trimmedStart(body: Uint8Array, start: number, end: number): number {
  let from = start;
  while (from < end && isJsonWhitespace(body[from])) from += 1;
  return from;
}

function trimmedEnd(body: Uint8Array, start: number, end: number): number {
  let to = end;
  while (to > start && isJsonWhitespace(body[to - 1])) to -= 1;
  return to;
}

/** The messages of one JSON append, as the store takes them. */
export interface JsonAppend {
  /** None (an empty array), the one message, or the messages packed into one buffer. */
  messages: Uint8Array[];
  /** With several messages: where each ends in the packed buffer (the store's `packedEnds`). */
  packedEnds: Uint32Array | undefined;
}

/**
 * Splits a JSON append body into messages. Throws `ProtocolRequestError` for invalid
 * UTF-8 or JSON and `StreamRefusedError` for more than `maxMessages`. An empty array
 * yields no messages (the caller decides if that is an error: it is for POST, not PUT).
 */
export function splitJsonMessages(body: Uint8Array, maxMessages: number): JsonAppend {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new ProtocolRequestError('The body is not valid JSON');
  }
  if (!Array.isArray(value)) {
    const from = trimmedStart(body, 0, body.length);
    return {
      messages: [body.subarray(from, trimmedEnd(body, from, body.length))],
      packedEnds: undefined,
    };
  }
  const count = value.length;
  if (count === 0) return { messages: [], packedEnds: undefined };
  if (count > maxMessages) {
    throw new StreamRefusedError(
      'SLUICE_ERR_TOO_MANY_MESSAGES',
      `A JSON append may carry at most ${maxMessages} messages; this one has ${count}`,
    );
  }
  const starts = new Uint32Array(count);
  const ends = new Uint32Array(count);
  let found = 0;
  const element = (start: number, end: number): void => {
    if (found >= count) return;
    const from = trimmedStart(body, start, end);
    starts[found] = from;
    ends[found] = trimmedEnd(body, from, end);
    found += 1;
  };
  let depth = 0;
  let inString = false;
  let elementStart = -1;
  for (let index = 0; index < body.length; index++) {
    const byte = body[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      depth += 1;
      if (depth === 1) elementStart = index + 1;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      if (depth === 1) element(elementStart, index);
      depth -= 1;
    } else if (byte === COMMA && depth === 1) {
      element(elementStart, index);
      elementStart = index + 1;
    }
  }
  if (found !== count) throw new ProtocolRequestError('The body is not valid JSON');
  if (count === 1) {
    return { messages: [body.subarray(starts[0] ?? 0, ends[0] ?? 0)], packedEnds: undefined };
  }
  return packed(body, starts, ends);
}

/** Copies the messages back to back into one buffer; `ends` becomes where each ends there. */
function packed(body: Uint8Array, starts: Uint32Array, ends: Uint32Array): JsonAppend {
  let total = 0;
  for (let index = 0; index < ends.length; index++) {
    total += (ends[index] ?? 0) - (starts[index] ?? 0);
  }
  // Its own allocation, not a slice of a shared pool: what is stored is all it holds.
  const data = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let index = 0; index < ends.length; index++) {
    const start = starts[index] ?? 0;
    const end = ends[index] ?? 0;
    data.set(body.subarray(start, end), at);
    at += end - start;
    ends[index] = at;
  }
  return { messages: [data], packedEnds: ends };
}

const OPEN = Buffer.from('[');
const SEPARATOR = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** A read response body: the messages as one JSON array, in a single buffer. */
export function joinJsonMessages(messages: readonly { data: Uint8Array }[]): Buffer {
  const parts: Uint8Array[] = [OPEN];
  for (let index = 0; index < messages.length; index++) {
    if (index > 0) parts.push(SEPARATOR);
    const message = messages[index];
    if (message !== undefined) parts.push(message.data);
  }
  parts.push(CLOSE);
  return Buffer.concat(parts);
}
