/**
 * A counting gate for step-by-step tests: whoever calls `wait()` is held until a test
 * calls `release()`. Released permits are banked, so a release before the wait is not lost.
 */
import { abortReason } from './shared/abort-reason.ts';
import { createDeferred, type Deferred } from './shared/deferred.ts';

export class MockGate {
  #permits = 0;
  #open = false;
  readonly #waiters: Array<Deferred<void>> = [];
  #waiterArrived: Deferred<void> | undefined;

  /** Lets `count` waits through (now or later). */
  release(count = 1): void {
    this.#permits += count;
    while (this.#permits > 0 && this.#waiters.length > 0) {
      this.#permits -= 1;
      this.#waiters.shift()?.resolve();
    }
  }

  /** Lets every current and future wait through. */
  open(): void {
    this.#open = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** How many callers are held right now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves once at least one caller is held, so a test knows the consumer caught up. */
  whenWaiting(): Promise<void> {
    if (this.#waiters.length > 0) return Promise.resolve();
    this.#waiterArrived ??= createDeferred();
    return this.#waiterArrived.promise;
  }

  /** Waits for a permit; rejects with the abort reason if `signal` fires first. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#open) return Promise.resolve();
    if (this.#permits > 0) {
      this.#permits -= 1;
      return Promise.resolve();
    }
    const waiter = createDeferred();
    this.#waiters.push(waiter);
    const arrived = this.#waiterArrived;
    this.#waiterArrived = undefined;
    arrived?.resolve();
    if (signal === undefined) return waiter.promise;
    const onAbort = () => {
      const index = this.#waiters.indexOf(waiter);
      if (index >= 0) this.#waiters.splice(index, 1);
      waiter.reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return waiter.promise.finally(() => signal.removeEventListener('abort', onAbort));
  }
}
