/**
 * The offsets a stream issued last, kept as strings: a live reader asks for "after the
 * offset I was given" at (or just behind) the tail every token, so remembering the two
 * newest tail offsets lets the store answer without formatting or parsing a token each
 * time. Anything else falls through to the protocol's helpers.
 */
import { formatOffset, parseOffset } from '@sluice/protocol';

export class OffsetMemo {
  #position = -1;
  #offset: string | undefined;
  #previousPosition = -1;
  #previousOffset: string | undefined;

  /** The offset token of `position`. */
  format(position: number): string {
    if (position === this.#position && this.#offset !== undefined) return this.#offset;
    if (position === this.#previousPosition && this.#previousOffset !== undefined) {
      return this.#previousOffset;
    }
    const offset = formatOffset(position);
    if (position > this.#position) {
      this.#previousPosition = this.#position;
      this.#previousOffset = this.#offset;
      this.#position = position;
      this.#offset = offset;
    }
    return offset;
  }

  /** The position of an offset token, as `parseOffset` would give it. */
  parse(offset: string): number | undefined {
    if (offset === this.#offset) return this.#position;
    if (offset === this.#previousOffset) return this.#previousPosition;
    return parseOffset(offset);
  }
}
