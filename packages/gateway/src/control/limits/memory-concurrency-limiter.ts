/**
 * The in-memory `ConcurrencyLimiter`: one counter per subject, present only while a lease
 * holds it, so memory follows open work and never the number of subjects ever seen.
 */
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  type ConcurrencyRejection,
  type ConcurrencySubject,
  concurrencyRejection,
} from './concurrency-limiter.ts';

export interface MemoryConcurrencyLimiterOptions {
  /**
   * The `Retry-After` offered on a rejection. A slot frees when some other work ends,
   * which nobody can predict, so this is a hint. Default 1 s.
   */
  retryAfterMs?: number;
}

const DEFAULT_RETRY_AFTER_MS = 1_000;

const EMPTY_LEASE: ConcurrencyLease = Object.freeze({ granted: true, release: () => {} });

export class MemoryConcurrencyLimiter implements ConcurrencyLimiter {
  readonly specificationVersion = 'v1';
  readonly #counts = new Map<string, number>();
  readonly #retryAfterMs: number;

  constructor(options: MemoryConcurrencyLimiterOptions = {}) {
    this.#retryAfterMs = options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  }

  async acquire(
    subjects: readonly ConcurrencySubject[],
  ): Promise<ConcurrencyLease | ConcurrencyRejection> {
    if (subjects.length === 0) return EMPTY_LEASE;
    // A subject named twice takes one slot: the same counter cannot be held twice by one lease.
    const keys = new Map<string, ConcurrencySubject>();
    for (const subject of subjects) {
      if (!Number.isInteger(subject.limit) || subject.limit < 1) {
        throw new RangeError('limit must be a positive integer');
      }
      keys.set(counterKey(subject), subject);
    }
    for (const [key, subject] of keys) {
      const inUse = this.#counts.get(key) ?? 0;
      if (inUse >= subject.limit) return concurrencyRejection(subject, this.#retryAfterMs);
    }
    for (const key of keys.keys()) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        for (const key of keys.keys()) this.#decrement(key);
      },
    };
  }

  async inUse(subject: Pick<ConcurrencySubject, 'name' | 'scope' | 'id'>): Promise<number> {
    return this.#counts.get(counterKey(subject)) ?? 0;
  }

  /** Counters held now; zero when no lease is open. */
  get size(): number {
    return this.#counts.size;
  }

  async dispose(): Promise<void> {
    this.#counts.clear();
  }

  #decrement(key: string): void {
    const next = (this.#counts.get(key) ?? 0) - 1;
    if (next > 0) this.#counts.set(key, next);
    else this.#counts.delete(key);
  }
}

function counterKey(subject: Pick<ConcurrencySubject, 'name' | 'scope' | 'id'>): string {
  // The id goes last: it is the only part a caller controls, so it cannot forge the others.
  return `${subject.name}\u0000${subject.scope}\u0000${subject.id}`;
}
