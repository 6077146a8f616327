/**
 * The arithmetic and the bounded state behind the in-memory quotas: GCRA (the generic cell
 * rate algorithm, a token bucket kept as one number). A subject with `limit` units per
 * `windowMs` may spend the whole limit at once and refills continuously at
 * `limit / windowMs`, so there is no window edge where two bursts can meet. Each subject
 * needs only its "theoretical arrival time" (`tat`): the moment its bucket is full again.
 *
 * Memory is bounded without a timer per subject: a subject whose bucket is full again
 * (`tat <= now`) carries no information and may be dropped; each new subject sweeps a few
 * of the least recently used ones, and at capacity the least recently used one goes even
 * if not full (it then starts over with a full bucket: a soft failure for one subject,
 * never unbounded growth). Entries held by an open token budget are pinned and never go.
 */

/** Tolerance for float rounding, so `limit` units of `windowMs / limit` fit exactly. */
const EPSILON_MS = 1e-6;
/** Least recently used entries looked at per new subject. */
const SWEEP_BATCH = 4;

export interface GcraEntry {
  /** When the bucket is full again; at or before now means full. */
  tat: number;
  /** Open token budgets holding this entry by reference. */
  pins: number;
}

export interface GcraTableStatistics {
  subjects: number;
  /** Subjects dropped while their bucket was not full (capacity pressure). */
  forcedEvictions: number;
}

export class GcraTable {
  readonly #entries = new Map<string, GcraEntry>();
  readonly #maxSubjects: number;
  #forcedEvictions = 0;

  constructor(maxSubjects: number) {
    if (!Number.isInteger(maxSubjects) || maxSubjects < 1) {
      throw new RangeError('maxSubjects must be a positive integer');
    }
    this.#maxSubjects = maxSubjects;
  }

  /** The entry of a subject, created full; marks it most recently used. */
  entry(subject: string, now: number): GcraEntry {
    const existing = this.#entries.get(subject);
    if (existing !== undefined) {
      this.#entries.delete(subject);
      this.#entries.set(subject, existing);
      return existing;
    }
    this.#makeRoom(now);
    const created: GcraEntry = { tat: now, pins: 0 };
    this.#entries.set(subject, created);
    return created;
  }

  statistics(): GcraTableStatistics {
    return { subjects: this.#entries.size, forcedEvictions: this.#forcedEvictions };
  }

  #makeRoom(now: number): void {
    let looked = 0;
    for (const [subject, entry] of this.#entries) {
      if (looked >= SWEEP_BATCH) break;
      looked += 1;
      if (entry.pins > 0) {
        // Rotate pinned entries away from the head so they never block the sweep.
        this.#entries.delete(subject);
        this.#entries.set(subject, entry);
      } else if (entry.tat <= now) {
        this.#entries.delete(subject);
      } else if (this.#entries.size >= this.#maxSubjects) {
        this.#entries.delete(subject);
        this.#forcedEvictions += 1;
      }
    }
  }
}

/** Milliseconds until `cost` units fit; 0 when they fit now. */
export function gcraDelay(
  entry: GcraEntry,
  cost: number,
  limit: number,
  windowMs: number,
  now: number,
): number {
  const delay = Math.max(entry.tat, now) + (cost * windowMs) / limit - windowMs - now;
  return delay > EPSILON_MS ? delay : 0;
}

/** Spends `cost` units; call only after `gcraDelay` said 0. */
export function gcraCharge(
  entry: GcraEntry,
  cost: number,
  limit: number,
  windowMs: number,
  now: number,
): void {
  entry.tat = Math.max(entry.tat, now) + (cost * windowMs) / limit;
}

/** Whole units that could be spent now. */
export function gcraRemaining(
  entry: GcraEntry,
  limit: number,
  windowMs: number,
  now: number,
): number {
  const debtMs = Math.max(entry.tat - now, 0);
  const remaining = Math.floor(((windowMs - debtMs) * limit) / windowMs + EPSILON_MS);
  return Math.min(Math.max(remaining, 0), limit);
}

/** Milliseconds until the whole limit is available again. */
export function gcraResetMs(entry: GcraEntry, now: number): number {
  const reset = entry.tat - now;
  return reset > EPSILON_MS ? reset : 0;
}
