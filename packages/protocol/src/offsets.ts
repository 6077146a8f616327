/**
 * Stream offsets: opaque strings that sort lexicographically and strictly increase
 * within a stream (Durable Streams PROTOCOL.md). Sluice's tokens are
 * `<segment>_<position>`, both fixed-width decimal so string order is stream order.
 * The position counts bytes in byte streams and messages in JSON streams; the segment
 * is zero today (Durable Streams clients address the start of a stream as
 * `0000000000000000_0000000000000000`) and leaves room for stores that roll segments.
 * Clients must treat offsets as opaque.
 */

/** The offset before the first message of every stream. */
export const BEGINNING_OFFSET = '-1';
/** Sentinel meaning "the current tail": only data appended from now on. */
export const NOW_OFFSET = 'now';

const WIDTH = 16;
const SEGMENT = '0'.repeat(WIDTH);
const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;

export function formatOffset(position: number): string {
  return `${SEGMENT}_${String(position).padStart(WIDTH, '0')}`;
}

/**
 * The position of an offset token; `-1` is position 0. Returns undefined for anything
 * this server never issues (the caller answers 400); `now` is left to the caller.
 */
export function parseOffset(offset: string): number | undefined {
  if (offset === BEGINNING_OFFSET) return 0;
  const match = OFFSET_PATTERN.exec(offset);
  if (match === null || match[1] !== SEGMENT || match[2] === undefined) return undefined;
  const position = Number(match[2]);
  return Number.isSafeInteger(position) ? position : undefined;
}
