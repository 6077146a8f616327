/**
 * Time as the resilience code sees it: a clock to read and a scheduler for one-shot timers.
 * Both are injected so tests drive cool-downs, backoff and timeouts with a manual clock
 * instead of sleeping. A timer can be refreshed, which lets one timer per stream measure the
 * gap between parts without allocating anything per part.
 */

export interface ScheduledTimer {
  /** Restarts the countdown from now with the original delay. */
  refresh(): void;
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds on a monotonic-enough scale; only differences are used. */
  now(): number;
  schedule(callback: () => void, delayMs: number): ScheduledTimer;
}

/** Real time. Timers are unref'd: a pending timeout alone should not keep the process up. */
export const systemScheduler: Scheduler = {
  now: () => performance.now(),
  schedule(callback, delayMs) {
    const timeout = setTimeout(callback, delayMs);
    timeout.unref();
    return {
      refresh: () => {
        timeout.refresh();
      },
      cancel: () => clearTimeout(timeout),
    };
  },
};
