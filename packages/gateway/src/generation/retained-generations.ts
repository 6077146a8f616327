/**
 * The memory budget for finished generations kept in process memory (their record and
 * stream log), oldest finished first out. Without it, finished generations stay until
 * their TTL (24 h by default) whatever their number: thousands of short answers, or a few
 * long ones, hold the process's memory for a day. A generation's cost is estimated when it
 * ends — its log's bytes, the same text again in its record, and a fixed overhead for the
 * record and the log's structures — so the check is O(1) per finished generation and adds
 * no per-token work.
 */

/** Bytes counted per finished generation on top of its content (record fields, indexes). */
export const RETAINED_OVERHEAD_BYTES = 2048;

interface Retained {
  id: string;
  bytes: number;
}

export class RetainedGenerations {
  readonly #budgetBytes: number;
  readonly #queue: Retained[] = [];
  #head = 0;
  #bytes = 0;

  /** `budgetBytes`: what finished generations may hold together; 0 keeps none beyond the newest. */
  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  /** Estimated bytes held by finished generations. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Finished generations retained. */
  get count(): number {
    return this.#queue.length - this.#head;
  }

  /** The estimate for a generation whose log holds `logBytes`. */
  static estimate(logBytes: number): number {
    return 2 * logBytes + RETAINED_OVERHEAD_BYTES;
  }

  /**
   * Records a finished generation and returns the ids to evict (oldest first) so the
   * total fits the budget again. The newest generation itself is never evicted here: a
   * client that just got its answer can still read it back once.
   */
  finished(id: string, bytes: number): string[] {
    this.#queue.push({ id, bytes });
    this.#bytes += bytes;
    const evicted: string[] = [];
    while (this.#bytes > this.#budgetBytes && this.count > 1) {
      const oldest = this.#queue[this.#head] as Retained;
      this.#head += 1;
      this.#bytes -= oldest.bytes;
      evicted.push(oldest.id);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    return evicted;
  }

  /** Forgets a generation removed by other means (deleted, expired); no-op when unknown. */
  forget(id: string): void {
    for (let index = this.#head; index < this.#queue.length; index += 1) {
      const entry = this.#queue[index] as Retained;
      if (entry.id !== id) continue;
      this.#bytes -= entry.bytes;
      entry.bytes = 0;
      return;
    }
  }
}
