/**
 * Stream offsets: opaque strings that sort lexicographically and strictly increase
 * within a stream (Durable Streams PROTOCOL.md). Sluice encodes a position (bytes for
 * byte streams, messages for JSON streams) as fixed-width decimal so string order is
 * numeric order. Clients must treat offsets as opaque.
 */

/** The offset before the first message of every stream. */
export const BEGINNING_OFFSET = '-1';
/** Sentinel meaning "the current tail": only data appended from now on. */
export const NOW_OFFSET = 'now';

const WIDTH = 16;
const OFFSET_PATTERN = /^\d{16}$/;

export function formatOffset(position: number): string {
  return String(position).padStart(WIDTH, '0');
}

/**
 * Parses an offset into a position. `-1` is position 0. Returns undefined for anything
 * that is not an offset this server issued (the caller answers 400).
 */
export function parseOffset(offset: string): number | undefined {
  if (offset === BEGINNING_OFFSET) return 0;
  if (!OFFSET_PATTERN.test(offset)) return undefined;
  const position = Number(offset);
  return Number.isSafeInteger(position) ? position : undefined;
}
