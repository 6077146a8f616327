/**
 * When each raw character of a channel arrived, kept as (end of delta, arrival time) pairs
 * so the holdback delay of released text can be measured without a record per character.
 */
export class HoldbackClock {
  #received = 0;
  #released = 0;
  readonly #ends: number[] = [];
  readonly #times: number[] = [];
  #head = 0;

  received(length: number, now: number): void {
    this.#received += length;
    this.#ends.push(this.#received);
    this.#times.push(now);
  }

  /** Given what is still held, returns how long the first newly released character waited. */
  released(stillHeld: number, now: number): number | undefined {
    const releasedTo = this.#received - stillHeld;
    if (releasedTo <= this.#released) return undefined;
    while (this.#head < this.#ends.length && (this.#ends[this.#head] ?? 0) <= this.#released) {
      this.#head += 1;
    }
    const waited = now - (this.#times[this.#head] ?? now);
    this.#released = releasedTo;
    if (this.#head > 1024) {
      this.#ends.splice(0, this.#head);
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
    return waited;
  }
}
