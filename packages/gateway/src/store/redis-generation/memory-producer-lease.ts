/**
 * `ProducerLeases` in one process's memory: the embedded default, where one node runs every
 * producer, and the model the Redis leases are tested against. Epochs come from one
 * counter for all generations, seeded with the clock, so they only ever grow. `now` can
 * be given so tests move time without sleeping.
 */
import type { ProducerLease, ProducerLeases } from './producer-lease.ts';

export interface MemoryProducerLeasesOptions {
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
}

interface HeldLease extends ProducerLease {
  expiresAt: number;
}

export class MemoryProducerLeases implements ProducerLeases {
  readonly specificationVersion = 'sluice-producer-lease-v1';
  readonly #leases = new Map<string, HeldLease>();
  readonly #now: () => number;
  #lastEpoch = 0;

  constructor(options: MemoryProducerLeasesOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  async acquire(
    generationId: string,
    nodeId: string,
    ttlMs: number,
  ): Promise<ProducerLease | undefined> {
    if (this.#live(generationId) !== undefined) return undefined;
    const now = this.#now();
    this.#lastEpoch = Math.max(this.#lastEpoch + 1, now);
    const lease = { generationId, nodeId, epoch: this.#lastEpoch };
    this.#leases.set(generationId, { ...lease, expiresAt: now + ttlMs });
    return lease;
  }

  async renew(generationId: string, epoch: number, ttlMs: number): Promise<boolean> {
    const lease = this.#live(generationId);
    if (lease?.epoch !== epoch) return false;
    lease.expiresAt = this.#now() + ttlMs;
    return true;
  }

  async release(generationId: string, epoch: number): Promise<boolean> {
    if (this.#live(generationId)?.epoch !== epoch) return false;
    return this.#leases.delete(generationId);
  }

  async expire(generationId: string, epoch: number): Promise<boolean> {
    const lease = this.#live(generationId);
    if (lease?.epoch !== epoch) return false;
    lease.expiresAt = Number.NEGATIVE_INFINITY;
    return true;
  }

  async isCurrent(generationId: string, epoch: number): Promise<boolean> {
    return this.#live(generationId)?.epoch === epoch;
  }

  async holder(generationId: string): Promise<ProducerLease | undefined> {
    const lease = this.#live(generationId);
    return lease === undefined
      ? undefined
      : { generationId, nodeId: lease.nodeId, epoch: lease.epoch };
  }

  async renewMany(
    leases: ReadonlyArray<{ generationId: string; epoch: number }>,
    ttlMs: number,
  ): Promise<string[]> {
    const lost: string[] = [];
    for (const { generationId, epoch } of leases) {
      if (!(await this.renew(generationId, epoch, ttlMs))) lost.push(generationId);
    }
    return lost;
  }

  async expired(limit: number): Promise<string[]> {
    const now = this.#now();
    const ids: string[] = [];
    for (const [id, lease] of this.#leases) {
      if (ids.length >= limit) break;
      if (lease.expiresAt <= now) ids.push(id);
    }
    return ids;
  }

  async dispose(): Promise<void> {
    this.#leases.clear();
  }

  /** The unexpired lease. An expired one stays listed (`expired`) until taken or released. */
  #live(generationId: string): HeldLease | undefined {
    const lease = this.#leases.get(generationId);
    return lease !== undefined && lease.expiresAt > this.#now() ? lease : undefined;
  }
}
