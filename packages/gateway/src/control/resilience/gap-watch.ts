/**
 * The token-gap timeout of one upstream stream: fires when a single wait for the next part
 * has lasted `gapMs`. Time the consumer spends with a part is not the upstream's silence,
 * so only waits count. Marking a wait costs one clock read: the one timer is re-armed only
 * when it fires early (at most once per `gapMs`), instead of being restarted on every part.
 */
import type { ScheduledTimer, Scheduler } from './clock.ts';

export class GapWatch {
  readonly #scheduler: Scheduler;
  readonly #gapMs: number;
  readonly #onGap: () => void;
  #timer: ScheduledTimer;
  #waitingSince: number | undefined;
  #stopped = false;

  constructor(scheduler: Scheduler, gapMs: number, onGap: () => void) {
    this.#scheduler = scheduler;
    this.#gapMs = gapMs;
    this.#onGap = onGap;
    this.#timer = scheduler.schedule(this.#check, gapMs);
  }

  /** A wait for the next part begins. */
  waiting(): void {
    this.#waitingSince = this.#scheduler.now();
  }

  /** The part came. */
  arrived(): void {
    this.#waitingSince = undefined;
  }

  stop(): void {
    this.#stopped = true;
    this.#timer.cancel();
  }

  readonly #check = (): void => {
    if (this.#stopped) return;
    const since = this.#waitingSince;
    const waited = since === undefined ? 0 : this.#scheduler.now() - since;
    if (since !== undefined && waited >= this.#gapMs) {
      this.#stopped = true;
      this.#onGap();
      return;
    }
    // Not waiting, or not for long enough yet: look again when this wait would reach the gap.
    this.#timer = this.#scheduler.schedule(this.#check, this.#gapMs - waited);
  };
}
