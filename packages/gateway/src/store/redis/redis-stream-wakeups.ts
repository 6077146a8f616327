/**
 * Live-read wake-ups for the Redis stream store without polling and without a blocking
 * Redis connection per reader: every change to a stream PUBLISHes its path (inside the
 * script that made it), one subscriber connection per store instance receives them all,
 * and this fans each one out to the local readers waiting on that path.
 *
 * A waiter is armed *before* its reader asks Redis, so a change that lands between the
 * read and the wait is never missed. `generation` counts every wake-up received: reads
 * issued between two wake-ups may share one Redis call (see the store's read coalescing).
 *
 * `version(path)` counts the wake-ups of one path (for paths the store asked to track):
 * a reader that saw a stream's tail at version V, and finds the version still V, knows
 * nothing changed since and can wait without asking Redis again.
 */
import { onAbort } from '../abort-listeners.ts';

export interface Waiter {
  /** Resolves when the path changes, the signal aborts, or the wake-ups are disposed. */
  readonly changed: Promise<void>;
  /** Stops waiting (the reader is done); idempotent. */
  readonly cancel: () => void;
}

/** Paths whose wake-ups are counted at most (each costs a map entry). */
const MAX_TRACKED_PATHS = 50_000;

export class StreamWakeups {
  readonly #waiters = new Map<string, Set<() => void>>();
  /** Per tracked path, its wake-ups so far; cleared (all unknown) on a reconnect. */
  readonly #versions = new Map<string, number>();
  #generation = 0;
  #disposed = false;

  /** Wake-ups received so far; reads issued at one generation see the same data. */
  get generation(): number {
    return this.#generation;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The path's wake-up count, tracking it from now on; undefined when it was not tracked
   * (or a reconnect cleared every count), so nothing can be concluded from it.
   */
  version(path: string): number | undefined {
    const version = this.#versions.get(path);
    if (version === undefined) {
      // Bounded: forget every count when too many streams are tracked (reads then ask Redis).
      if (this.#versions.size >= MAX_TRACKED_PATHS) this.#versions.clear();
      this.#versions.set(path, 0);
    }
    return version;
  }

  /** One message from the subscriber connection: the path that changed. */
  notify(path: string): void {
    this.#generation += 1;
    const version = this.#versions.get(path);
    if (version !== undefined) this.#versions.set(path, version + 1);
    const waiters = this.#waiters.get(path);
    if (waiters === undefined) return;
    this.#waiters.delete(path);
    for (const wake of waiters) wake();
  }

  /** The subscriber reconnected: changes may have been missed, so every reader re-reads. */
  notifyAll(): void {
    this.#generation += 1;
    this.#versions.clear();
    const all = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiters of all) for (const wake of waiters) wake();
  }

  arm(path: string, signal: AbortSignal | undefined): Waiter {
    let woken = this.#disposed;
    let resolve: () => void = () => {};
    const changed = new Promise<void>((done) => {
      resolve = done;
    });
    let cancelAbort: (() => void) | undefined;
    const wake = (): void => {
      if (woken) return;
      woken = true;
      this.#waiters.get(path)?.delete(wake);
      cancelAbort?.();
      resolve();
    };
    if (woken) {
      resolve();
    } else {
      let waiters = this.#waiters.get(path);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(path, waiters);
      }
      waiters.add(wake);
      if (signal !== undefined) cancelAbort = onAbort(signal, wake);
    }
    const cancel = (): void => {
      const waiters = this.#waiters.get(path);
      waiters?.delete(wake);
      if (waiters?.size === 0) this.#waiters.delete(path);
      cancelAbort?.();
      cancelAbort = undefined;
    };
    return { changed, cancel };
  }

  /** Wakes every waiter; later arms resolve at once. */
  dispose(): void {
    this.#disposed = true;
    this.notifyAll();
  }
}
