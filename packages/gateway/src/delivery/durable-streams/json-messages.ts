/**
 * JSON mode framing. An append body is one JSON value; a top-level array is flattened
 * one level into several messages. Messages keep the exact bytes the client sent
 * (views into the request body, found by a byte scan after `JSON.parse` validated it),
 * so numbers and formatting survive untouched and nothing is re-serialized.
 */
import { ProtocolRequestError } from './protocol-headers.ts';

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

function trimmed(body: Uint8Array, start: number, end: number): Uint8Array {
  let from = start;
  let to = end;
  while (from < to && isJsonWhitespace(body[from])) from += 1;
  while (to > from && isJsonWhitespace(body[to - 1])) to -= 1;
  return body.subarray(from, to);
}

/**
 * Splits a JSON append body into messages. Throws `ProtocolRequestError` for invalid
 * UTF-8 or JSON. An empty array yields no messages (the caller decides if that is an
 * error: it is for POST, not for PUT).
 */
export function splitJsonMessages(body: Uint8Array): Uint8Array[] {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new ProtocolRequestError('The body is not valid JSON');
  }
  if (!Array.isArray(value)) return [trimmed(body, 0, body.length)];
  if (value.length === 0) return [];
  const messages: Uint8Array[] = [];
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
      if (depth === 1) messages.push(trimmed(body, elementStart, index));
      depth -= 1;
    } else if (byte === COMMA && depth === 1) {
      messages.push(trimmed(body, elementStart, index));
      elementStart = index + 1;
    }
  }
  return messages;
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
