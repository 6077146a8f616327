/**
 * The store's offset tokens: `<segment>_<position>`, both fixed-width decimal from
 * @sluice/protocol's `formatOffset`, so string order is stream order. The segment is
 * always zero today; it is there because Durable Streams clients and the public
 * conformance suite address the beginning of a stream as
 * `0000000000000000_0000000000000000`, and it leaves room for a store that rolls
 * segments. Position counts bytes in byte streams and messages in JSON streams.
 */
import { BEGINNING_OFFSET, formatOffset, NOW_OFFSET, parseOffset } from '@sluice/protocol';

const SEGMENT = formatOffset(0);
const PREFIX = `${SEGMENT}_`;
const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;

export function formatStreamOffset(position: number): string {
  return PREFIX + formatOffset(position);
}

/**
 * Position of an offset token, `-1` being 0. Returns undefined for a token this store
 * never issues (malformed, or a segment it does not have); `now` is left to the caller.
 */
export function parseStreamOffset(offset: string): number | undefined {
  if (offset === BEGINNING_OFFSET) return 0;
  const match = OFFSET_PATTERN.exec(offset);
  if (match === null || match[1] !== SEGMENT || match[2] === undefined) return undefined;
  return parseOffset(match[2]);
}

export function isNowOffset(offset: string): boolean {
  return offset === NOW_OFFSET;
}
