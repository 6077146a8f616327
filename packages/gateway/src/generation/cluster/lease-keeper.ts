/**
 * This node's producer leases in a cluster. Every generation this node runs holds a lease
 * (`ProducerLeases`); one timer renews them all in one call every third of the lease
 * timeout, and a producer whose lease was lost (this node was cut off long enough that
 * another node took its generation over) is told to stop without writing. A second timer
 * looks, every quarter of the timeout (with jitter, so nodes do not scan in step), for
 * leases that expired unreleased — a node that died — and hands each to `onExpired`, which
 * claims it and takes the generation over. A generation is therefore taken over within
 * about 1.25 × `leaseTimeoutMs` of its node's last renewal.
 */
import type { ProducerLeases } from '../../store/redis-generation/producer-lease.ts';
import type { ProducerLeasing } from '../launch-generation.ts';

export interface LeaseKeeperOptions {
  leases: ProducerLeases;
  /** This node's id, stored in its leases (operators see who holds what). */
  nodeId: string;
  /** How long a lease lives without renewal: the failover time. */
  leaseTimeoutMs: number;
  keepsRequests: boolean;
  /** Another node holds the lease of a generation this node runs: stop it silently. */
  onLost(id: string): void;
  /** A lease expired unreleased: try to take the generation over (claim with `claim`). */
  onExpired(id: string): Promise<void>;
  /** A renewal or scan failed (the store is unreachable); it is tried again next tick. */
  onError(error: unknown, during: 'renew' | 'scan' | 'release'): void;
  /** The random source of the scan jitter (tests pass a fixed one). */
  random?: () => number;
}

/** How many expired leases one scan hands over; the next scan takes the rest. */
const SCAN_BATCH = 16;

export class LeaseKeeper implements ProducerLeasing {
  readonly keepsRequests: boolean;
  readonly #options: LeaseKeeperOptions;
  /** Generation id → the epoch this node holds. */
  readonly #held = new Map<string, number>();
  readonly #renewTimer: NodeJS.Timeout;
  #scanTimer: NodeJS.Timeout | undefined;
  #renewing = false;
  #stopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.keepsRequests = options.keepsRequests;
    const renewEvery = Math.max(50, Math.floor(options.leaseTimeoutMs / 3));
    this.#renewTimer = setInterval(() => void this.#renew(), renewEvery).unref();
    this.#scheduleScan();
  }

  /** How many leases this node holds. */
  get held(): number {
    return this.#held.size;
  }

  async acquire(id: string): Promise<number> {
    const lease = await this.#options.leases.acquire(
      id,
      this.#options.nodeId,
      this.#options.leaseTimeoutMs,
    );
    // A new generation id is random: a lease already held means the store is not ours.
    if (lease === undefined) throw new Error(`The producer lease of ${id} is already held`);
    this.#held.set(id, lease.epoch);
    return lease.epoch;
  }

  /** Claims a generation whose lease expired; undefined when another node was first. */
  async claim(id: string): Promise<number | undefined> {
    if (this.#held.has(id)) return undefined;
    const lease = await this.#options.leases.acquire(
      id,
      this.#options.nodeId,
      this.#options.leaseTimeoutMs,
    );
    if (lease === undefined) return undefined;
    this.#held.set(id, lease.epoch);
    return lease.epoch;
  }

  /** Gives the lease up; with `epoch`, only if that is the epoch held (not a newer claim). */
  release(id: string, epoch = this.#held.get(id)): void {
    if (epoch === undefined || this.#held.get(id) !== epoch) return;
    this.#held.delete(id);
    this.#options.leases.release(id, epoch).catch((error: unknown) => {
      // The lease then expires by itself; a node that scans it finds the generation ended.
      this.#options.onError(error, 'release');
    });
  }

  /** Ends a lease at once for another node to take over (this node shuts down). */
  async handOff(id: string): Promise<void> {
    const epoch = this.#held.get(id);
    if (epoch === undefined) return;
    this.#held.delete(id);
    try {
      await this.#options.leases.expire(id, epoch);
    } catch (error) {
      // It then lapses by itself: the takeover waits for the timeout instead.
      this.#options.onError(error, 'release');
    }
  }

  /** Stops renewing a lease without releasing it: it expires, and its generation is scanned again. */
  forget(id: string): void {
    this.#held.delete(id);
  }

  /** Stops renewing and scanning (shutdown, after this node's producers ended). */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#renewTimer);
    clearTimeout(this.#scanTimer);
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#held.size === 0) return;
    this.#renewing = true;
    try {
      const sent = new Map(this.#held);
      const held = [...sent].map(([generationId, epoch]) => ({ generationId, epoch }));
      const lost = await this.#options.leases.renewMany(held, this.#options.leaseTimeoutMs);
      for (const id of lost) {
        // Only if it is still the epoch renewed (not released and claimed again since).
        if (this.#held.get(id) !== sent.get(id)) continue;
        this.#held.delete(id);
        this.#options.onLost(id);
      }
    } catch (error) {
      this.#options.onError(error, 'renew');
    } finally {
      this.#renewing = false;
    }
  }

  #scheduleScan(soon = false): void {
    if (this.#stopped) return;
    const base = this.#options.leaseTimeoutMs / 4;
    const jitter = 0.5 + (this.#options.random ?? Math.random)();
    const delay = soon ? 0 : Math.max(25, base * jitter);
    this.#scanTimer = setTimeout(() => void this.#scan(), delay).unref();
  }

  /**
   * Hands a batch of lapsed leases over at once; a full batch means a node with many
   * generations died, so the next batch is looked for at once rather than a tick later.
   */
  async #scan(): Promise<void> {
    let full = false;
    try {
      const expired = await this.#options.leases.expired(SCAN_BATCH);
      full = expired.length === SCAN_BATCH;
      await Promise.all(
        expired
          .filter((id) => !this.#held.has(id))
          .map((id) =>
            this.#options.onExpired(id).catch((error: unknown) => {
              this.#options.onError(error, 'scan');
            }),
          ),
      );
    } catch (error) {
      full = false;
      this.#options.onError(error, 'scan');
    } finally {
      this.#scheduleScan(full);
    }
  }
}
