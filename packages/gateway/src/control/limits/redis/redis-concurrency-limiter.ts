/**
 * `ConcurrencyLimiter` on Redis, so a tenant's concurrent generations and streams are
 * counted across every gateway process. Each subject is a sorted set of lease ids scored by
 * when the lease lapses: one Lua script drops lapsed leases, checks every subject and adds
 * the lease to all of them or to none. A process renews the leases it holds (one pipelined
 * call per `renewEveryMs` for all of them), so a crashed or partitioned gateway's slots come
 * back after `leaseTtlMs` instead of being held forever. `release()` removes the lease at
 * once; it is synchronous in the contract, so the removal is sent without waiting (commands
 * on one connection run in order, so a later `inUse` or `acquire` sees it).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../../quotas/quota-clock.ts';
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  type ConcurrencyRejection,
  type ConcurrencySubject,
  concurrencyRejection,
} from '../concurrency-limiter.ts';

/**
 * KEYS: the subjects' sets. ARGV: now, lapse time, lease id, lease TTL, then each subject's
 * limit. Returns 0 when granted, else the 1-based index of the first full subject. Scores
 * are the caller's clock; key expiry is relative, so a set outlives its last lease by at
 * most one lease TTL whatever the clocks.
 */
const ACQUIRE_SCRIPT = `
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[4 + i]) then return i end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
end
return 0
`;

/** KEYS: subjects' sets. ARGV: lapse time, lease id, lease TTL. Extends a held lease (XX: never re-adds). */
const RENEW_SCRIPT = `
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', ARGV[1], ARGV[2]) == 1 then
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
end
return 0
`;

export interface RedisConcurrencyLimiterOptions {
  redis: Redis;
  keyPrefix?: string;
  /** How long a lease lives without renewal (a crashed holder's slots come back after it). Default 30 s. */
  leaseTtlMs?: number;
  /** How often held leases are renewed. Default a third of `leaseTtlMs`. */
  renewEveryMs?: number;
  /** The `Retry-After` offered on a rejection (a hint). Default 1 s. */
  retryAfterMs?: number;
  /** Told when a renewal or release fails (Redis down); the lease lapses on its own then. */
  onError?: (error: unknown) => void;
  clock?: Clock;
}

interface HeldLease {
  keys: string[];
}

export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  readonly specificationVersion = 'v1';
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #leaseTtlMs: number;
  readonly #retryAfterMs: number;
  readonly #onError: (error: unknown) => void;
  readonly #clock: Clock;
  readonly #held = new Map<string, HeldLease>();
  readonly #renewTimer: NodeJS.Timeout;

  constructor(options: RedisConcurrencyLimiterOptions) {
    this.#redis = options.redis;
    this.#prefix = options.keyPrefix ?? 'sluice:concurrency:';
    this.#leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.#retryAfterMs = options.retryAfterMs ?? 1_000;
    this.#onError = options.onError ?? (() => {});
    this.#clock = options.clock ?? systemClock;
    this.#renewTimer = setInterval(
      () => this.renewHeld(),
      options.renewEveryMs ?? Math.floor(this.#leaseTtlMs / 3),
    ).unref();
  }

  async acquire(
    subjects: readonly ConcurrencySubject[],
  ): Promise<ConcurrencyLease | ConcurrencyRejection> {
    if (subjects.length === 0) return { granted: true, release: () => {} };
    // A subject named twice takes one slot: the same counter cannot be held twice by one lease.
    const unique = new Map<string, ConcurrencySubject>();
    for (const subject of subjects) {
      if (!Number.isInteger(subject.limit) || subject.limit < 1) {
        throw new RangeError('limit must be a positive integer');
      }
      unique.set(this.#key(subject), subject);
    }
    const keys = [...unique.keys()];
    const leaseId = randomUUID();
    const now = this.#clock.now();
    const full = (await this.#redis.eval(
      ACQUIRE_SCRIPT,
      keys.length,
      ...keys,
      String(now),
      String(now + this.#leaseTtlMs),
      leaseId,
      String(this.#leaseTtlMs),
      ...[...unique.values()].map((subject) => String(subject.limit)),
    )) as number;
    if (full !== 0)
      return concurrencyRejection(
        [...unique.values()][full - 1] as ConcurrencySubject,
        this.#retryAfterMs,
      );
    this.#held.set(leaseId, { keys });
    return {
      granted: true,
      release: () => {
        if (!this.#held.delete(leaseId)) return;
        const pipeline = this.#redis.pipeline();
        for (const key of keys) pipeline.zrem(key, leaseId);
        pipeline.exec().catch(this.#onError);
      },
    };
  }

  async inUse(subject: Pick<ConcurrencySubject, 'name' | 'scope' | 'id'>): Promise<number> {
    const key = this.#key(subject);
    const replies = await this.#redis
      .multi()
      .zremrangebyscore(key, '-inf', this.#clock.now())
      .zcard(key)
      .exec();
    const count = replies?.[1]?.[1];
    return typeof count === 'number' ? count : 0;
  }

  /** Leases this process holds (for tests and metrics). */
  get held(): number {
    return this.#held.size;
  }

  /** Stops renewing; held leases lapse after `leaseTtlMs` (the connection is the caller's). */
  async dispose(): Promise<void> {
    clearInterval(this.#renewTimer);
    this.#held.clear();
  }

  /** Extends every lease this process holds (the timer calls it); resolves once sent. */
  async renewHeld(): Promise<void> {
    if (this.#held.size === 0) return;
    const lapse = String(this.#clock.now() + this.#leaseTtlMs);
    const pipeline = this.#redis.pipeline();
    for (const [leaseId, { keys }] of this.#held) {
      pipeline.eval(RENEW_SCRIPT, keys.length, ...keys, lapse, leaseId, String(this.#leaseTtlMs));
    }
    await pipeline.exec().catch(this.#onError);
  }

  #key(subject: Pick<ConcurrencySubject, 'name' | 'scope' | 'id'>): string {
    // The id goes last: it is the only part a caller controls, so it cannot forge the others.
    return `${this.#prefix}${subject.name}:${subject.scope}:${subject.id}`;
  }
}
