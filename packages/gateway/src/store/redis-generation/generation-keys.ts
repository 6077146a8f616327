/**
 * The Redis key layout of generation records and producer leases, in one place (it is
 * documented in `docs/deployment.md`, "Redis generation records and leases").
 */
export interface GenerationKeys {
  /** Hash: one generation record. */
  record(id: string): string;
  /** Sorted set of generation ids of a session, scored by creation time. */
  session(sessionId: string): string;
  /** Sorted set of generation ids of an end user, scored by creation time. */
  endUser(endUserId: string): string;
  /** String `<epoch>:<nodeId>`: the live producer lease of a generation. */
  lease(id: string): string;
  /** Integer: the last lease epoch handed out for a generation. */
  leaseEpoch(id: string): string;
  /** Sorted set of generation ids with a lease not released, scored by its expiry (ms). */
  readonly leases: string;
  /** String: the request a generation started with, for a node that continues it. */
  request(id: string): string;
  /** Pub/sub channel of control messages and record updates. */
  readonly events: string;
}

export function generationKeys(prefix: string): GenerationKeys {
  return {
    record: (id) => `${prefix}generation:${id}`,
    session: (sessionId) => `${prefix}generation-session:${sessionId}`,
    endUser: (endUserId) => `${prefix}generation-user:${endUserId}`,
    lease: (id) => `${prefix}generation-lease:${id}`,
    leaseEpoch: (id) => `${prefix}generation-lease-epoch:${id}`,
    leases: `${prefix}generation-leases`,
    request: (id) => `${prefix}generation-request:${id}`,
    events: `${prefix}generation-events`,
  };
}
