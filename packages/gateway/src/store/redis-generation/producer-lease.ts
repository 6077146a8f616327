/**
 * The producer lease contract (`ProducerLeases`): at most one node runs a generation's
 * producer. A node acquires the lease with an expiry and renews it while the producer
 * runs; when the node dies the lease expires and another node may claim the generation
 * with a higher **epoch**. The epoch fences the old holder: a write made under a stale
 * epoch is refused (`isCurrent`, or atomically inside a Redis script with
 * `leaseFenceLua`). Every lease that was acquired and not released stays listed until it
 * is, so a lease that expired is found by `expired` and taken over (see
 * `generation/cluster/`). Memory and Redis implementations pass `producer-lease-conformance.ts`.
 */

export interface ProducerLease {
  readonly generationId: string;
  readonly nodeId: string;
  /** Strictly increases per generation with each acquisition, across nodes and expiries. */
  readonly epoch: number;
}

export interface ProducerLeases {
  readonly specificationVersion: 'sluice-producer-lease-v1';
  /** Takes the lease when nobody holds it (or it expired); undefined when it is held. */
  acquire(generationId: string, nodeId: string, ttlMs: number): Promise<ProducerLease | undefined>;
  /** Extends the lease by `ttlMs` from now; false when `epoch` no longer holds it. */
  renew(generationId: string, epoch: number, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (the producer ended); false when `epoch` no longer held it. */
  release(generationId: string, epoch: number): Promise<boolean>;
  /**
   * Ends the lease at once but leaves it listed by `expired`, so another node takes the
   * generation over without waiting for the timeout (a node handing its work off as it
   * shuts down); false when `epoch` no longer held it.
   */
  expire(generationId: string, epoch: number): Promise<boolean>;
  /** Whether `epoch` holds the generation's lease now: a producer checks before it writes. */
  isCurrent(generationId: string, epoch: number): Promise<boolean>;
  /** The live lease, if any: how another node sees that a running generation lost its producer. */
  holder(generationId: string): Promise<ProducerLease | undefined>;
  /**
   * Renews many leases in one call (a node renews everything it runs on one timer).
   * Returns the generation ids whose epoch no longer holds the lease: their producer must
   * stop without writing, another node owns them now.
   */
  renewMany(
    leases: ReadonlyArray<{ generationId: string; epoch: number }>,
    ttlMs: number,
  ): Promise<string[]>;
  /**
   * Up to `limit` generations whose lease expired without being released: their producer's
   * node died or was cut off. Any node may then `acquire` one and take it over; a released
   * lease is never listed.
   */
  expired(limit: number): Promise<string[]>;
  dispose(): Promise<void>;
}
