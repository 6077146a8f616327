/**
 * One timer per heartbeat interval for all connections of every transport, not one per
 * connection: ten thousand idle readers cost one timer, not ten thousand.
 */
export class HeartbeatTicker {
  static readonly #byInterval = new Map<number, HeartbeatTicker>();
  readonly #beats = new Set<() => void>();
  readonly #timer: NodeJS.Timeout;
  readonly #intervalMs: number;

  private constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
    this.#timer = setInterval(() => {
      for (const beat of this.#beats) beat();
    }, intervalMs).unref();
  }

  /** Calls `beat` every `intervalMs` (0: never); the returned function stops that. */
  static join(intervalMs: number, beat: () => void): () => void {
    if (intervalMs <= 0) return () => {};
    let ticker = HeartbeatTicker.#byInterval.get(intervalMs);
    if (!ticker) {
      ticker = new HeartbeatTicker(intervalMs);
      HeartbeatTicker.#byInterval.set(intervalMs, ticker);
    }
    ticker.#beats.add(beat);
    const joined = ticker;
    return () => joined.#leave(beat);
  }

  /** Timers running, for tests: one per interval in use. */
  static timerCount(): number {
    return HeartbeatTicker.#byInterval.size;
  }

  #leave(beat: () => void): void {
    // Idempotent: a connection leaves once, however many times it ends.
    if (!this.#beats.delete(beat) || this.#beats.size > 0) return;
    clearInterval(this.#timer);
    if (HeartbeatTicker.#byInterval.get(this.#intervalMs) === this) {
      HeartbeatTicker.#byInterval.delete(this.#intervalMs);
    }
  }
}
