/**
 * A `Scheduler` whose time moves only when a test says so. `advance()` runs every timer that
 * falls due, in order; `whenScheduled()` resolves once a timer exists, so a test can wait for
 * the code under test to reach its backoff or timeout instead of sleeping.
 */
import { createDeferred, type Deferred } from '../../providers/shared/deferred.ts';
import type { ScheduledTimer, Scheduler } from './clock.ts';

interface PendingTimer {
  callback: () => void;
  delayMs: number;
  dueAt: number;
  active: boolean;
}

export class ManualScheduler implements Scheduler {
  #now: number;
  /** Kept even once fired or cancelled: `refresh()` can bring a timer back. */
  readonly #timers: PendingTimer[] = [];
  #scheduledWaiters: Array<{ minimumDelayMs: number; deferred: Deferred<number> }> = [];

  constructor(startAt = 0) {
    this.#now = startAt;
  }

  now(): number {
    return this.#now;
  }

  schedule(callback: () => void, delayMs: number): ScheduledTimer {
    const timer: PendingTimer = { callback, delayMs, dueAt: this.#now + delayMs, active: true };
    this.#timers.push(timer);
    this.#scheduledWaiters = this.#scheduledWaiters.filter((waiter) => {
      if (delayMs < waiter.minimumDelayMs) return true;
      waiter.deferred.resolve(delayMs);
      return false;
    });
    return {
      refresh: () => {
        timer.dueAt = this.#now + timer.delayMs;
        timer.active = true;
      },
      cancel: () => {
        timer.active = false;
      },
    };
  }

  /** Timers still waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.filter((timer) => timer.active).length;
  }

  /** Delays of the timers still waiting, in the order they were scheduled. */
  get pendingDelays(): number[] {
    return this.#timers.filter((timer) => timer.active).map((timer) => timer.delayMs);
  }

  /**
   * Resolves with the delay of the next timer of at least `minimumDelayMs` scheduled from now
   * on, or at once with an active one already pending.
   */
  whenScheduled(minimumDelayMs = 0): Promise<number> {
    const pending = this.#timers.find(
      (timer) => timer.active && timer.delayMs >= minimumDelayMs && timer.dueAt > this.#now,
    );
    if (pending !== undefined) return Promise.resolve(pending.delayMs);
    const deferred = createDeferred<number>();
    this.#scheduledWaiters.push({ minimumDelayMs, deferred });
    return deferred.promise;
  }

  /** Moves time forward, firing due timers in due order. */
  advance(milliseconds: number): void {
    const target = this.#now + milliseconds;
    for (;;) {
      const due = this.#timers
        .filter((timer) => timer.active && timer.dueAt <= target)
        .sort((first, second) => first.dueAt - second.dueAt)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.dueAt);
      due.active = false;
      due.callback();
    }
    this.#now = target;
  }
}
