/**
 * The in-memory `RateLimiter`: GCRA over a bounded table (see `gcra-table.ts`), one
 * process's view. Calls are synchronous underneath, so `tryAcquireAll` is atomic.
 */

import {
  type GcraEntry,
  GcraTable,
  type GcraTableStatistics,
  gcraCharge,
  gcraDelay,
  gcraRemaining,
  gcraResetMs,
} from './gcra-table.ts';
import { type Clock, systemClock } from './quota-clock.ts';
import {
  assertRateLimitRequest,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRequest,
} from './rate-limiter.ts';

export interface MemoryRateLimiterOptions {
  clock?: Clock;
  /** Subjects kept at most; idle ones go first. Default 100,000. */
  maxSubjects?: number;
}

const DEFAULT_MAX_SUBJECTS = 100_000;

export class MemoryRateLimiter implements RateLimiter {
  readonly specificationVersion = 'v1';
  readonly #clock: Clock;
  readonly #table: GcraTable;

  constructor(options: MemoryRateLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#table = new GcraTable(options.maxSubjects ?? DEFAULT_MAX_SUBJECTS);
  }

  tryAcquire(
    subject: string,
    cost: number,
    limit: number,
    windowMs: number,
  ): Promise<RateLimitDecision> {
    return this.tryAcquireAll([{ subject, cost, limit, windowMs }]).then(
      (decisions) => decisions[0] as RateLimitDecision,
    );
  }

  async tryAcquireAll(requests: readonly RateLimitRequest[]): Promise<RateLimitDecision[]> {
    for (const request of requests) assertRateLimitRequest(request);
    const now = this.#clock.now();
    // Pinned while in use: making room for the second subject must not drop the first.
    const entries = requests.map((request) => {
      const entry = this.#table.entry(request.subject, now);
      entry.pins += 1;
      return entry;
    });
    for (const entry of entries) entry.pins -= 1;
    const delays = requests.map((request, index) =>
      delayFor(entries[index] as GcraEntry, request, now),
    );
    const allowed = delays.every((delay) => delay === 0);
    return requests.map((request, index) => {
      const entry = entries[index] as GcraEntry;
      if (allowed) gcraCharge(entry, request.cost, request.limit, request.windowMs, now);
      return {
        allowed,
        limit: request.limit,
        remaining: gcraRemaining(entry, request.limit, request.windowMs, now),
        resetMs: gcraResetMs(entry, now),
        retryAfterMs: allowed ? 0 : (delays[index] as number),
      };
    });
  }

  statistics(): GcraTableStatistics {
    return this.#table.statistics();
  }

  async dispose(): Promise<void> {}
}

/** A cost above the limit never fits; say so with the longest honest wait, the window. */
function delayFor(entry: GcraEntry, request: RateLimitRequest, now: number): number {
  if (request.cost > request.limit) return request.windowMs;
  return gcraDelay(entry, request.cost, request.limit, request.windowMs, now);
}
