/**
 * Time as the quota code sees it: only `now()`, injected so tests move time by hand
 * (window boundaries, refill) instead of sleeping. Any resilience `Scheduler` is a `Clock`.
 */

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences are used. */
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** A clock that moves only when a test says so. */
export class ManualClock implements Clock {
  #now: number;

  constructor(startAt = 0) {
    this.#now = startAt;
  }

  now(): number {
    return this.#now;
  }

  advance(milliseconds: number): void {
    this.#now += milliseconds;
  }
}
