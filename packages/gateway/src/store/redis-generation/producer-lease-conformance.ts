/**
 * The `ProducerLeases` conformance suite: never two holders of one generation (also when
 * nodes race), an expired lease claimed by another node with a higher epoch, renewal that
 * keeps a lease alive, and a stale epoch refused everywhere (renew, release, `isCurrent`).
 * A node renews all its leases in one call and learns which it lost; leases that expired
 * unreleased are listed for takeover until taken or released.
 * `advance(ms)` lets time pass: a fake clock for memory, a real wait for Redis.
 */
import { describe, expect, test } from 'vitest';
import type { ProducerLeases } from './producer-lease.ts';

let counter = 0;

function generationId(): string {
  counter += 1;
  return `gen_lease_${process.pid}_${Date.now()}_${counter}`;
}

/** Long enough that a lease never expires during a test that does not mean it to. */
const LONG_MS = 30_000;

export function describeProducerLeaseConformance(
  name: string,
  createLeases: () => Promise<ProducerLeases> | ProducerLeases,
  advance: (ms: number) => Promise<void>,
) {
  async function withLeases(use: (leases: ProducerLeases) => Promise<void>) {
    const leases = await createLeases();
    try {
      await use(leases);
    } finally {
      await leases.dispose();
    }
  }

  describe(`ProducerLeases conformance: ${name}`, () => {
    test('a held lease is not given to a second node', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const lease = await leases.acquire(id, 'node-a', LONG_MS);
        expect(lease).toMatchObject({ generationId: id, nodeId: 'node-a' });
        expect(await leases.acquire(id, 'node-b', LONG_MS)).toBeUndefined();
        expect(await leases.acquire(id, 'node-a', LONG_MS)).toBeUndefined();
        expect(await leases.holder(id)).toEqual(lease);
        expect(await leases.isCurrent(id, lease?.epoch ?? -1)).toBe(true);
        expect(await leases.holder(generationId())).toBeUndefined();
      }));

    test('of nodes racing for one generation exactly one wins', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const results = await Promise.all(
          ['a', 'b', 'c', 'd', 'e'].map((node) => leases.acquire(id, `node-${node}`, LONG_MS)),
        );
        const winners = results.filter((lease) => lease !== undefined);
        expect(winners).toHaveLength(1);
        expect(await leases.holder(id)).toEqual(winners[0]);
      }));

    test('an expired lease goes to another node with a higher epoch; the stale one is refused', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const first = await leases.acquire(id, 'node-a', 50);
        if (first === undefined) throw new Error('no lease');
        await advance(150);
        expect(await leases.holder(id)).toBeUndefined();
        expect(await leases.isCurrent(id, first.epoch)).toBe(false);
        const second = await leases.acquire(id, 'node-b', LONG_MS);
        expect(second?.nodeId).toBe('node-b');
        expect(second?.epoch).toBeGreaterThan(first.epoch);
        expect(await leases.renew(id, first.epoch, LONG_MS)).toBe(false);
        expect(await leases.release(id, first.epoch)).toBe(false);
        expect(await leases.isCurrent(id, first.epoch)).toBe(false);
        expect(await leases.holder(id)).toEqual(second);
      }));

    test('renewal keeps a lease past its first expiry', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const lease = await leases.acquire(id, 'node-a', 400);
        if (lease === undefined) throw new Error('no lease');
        await advance(250);
        expect(await leases.renew(id, lease.epoch, 400)).toBe(true);
        await advance(250);
        expect(await leases.isCurrent(id, lease.epoch)).toBe(true);
        expect(await leases.acquire(id, 'node-b', LONG_MS)).toBeUndefined();
      }));

    test('a released lease is free at once, and epochs keep growing', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const first = await leases.acquire(id, 'node-a', LONG_MS);
        if (first === undefined) throw new Error('no lease');
        expect(await leases.release(id, first.epoch + 1)).toBe(false);
        expect(await leases.release(id, first.epoch)).toBe(true);
        expect(await leases.release(id, first.epoch)).toBe(false);
        const second = await leases.acquire(id, 'node-a', LONG_MS);
        const third = await leases.acquire(id, 'node-b', LONG_MS);
        expect(third).toBeUndefined();
        expect(second?.epoch).toBeGreaterThan(first.epoch);
        expect(await leases.isCurrent(id, first.epoch)).toBe(false);
      }));

    test('renewMany keeps the held leases and names the lost ones', () =>
      withLeases(async (leases) => {
        const kept = generationId();
        const lost = generationId();
        const keptLease = await leases.acquire(kept, 'node-a', 400);
        const lostLease = await leases.acquire(lost, 'node-a', 400);
        if (keptLease === undefined || lostLease === undefined) throw new Error('no lease');
        // Another node takes `lost` over after it expired.
        await leases.release(lost, lostLease.epoch);
        const taken = await leases.acquire(lost, 'node-b', LONG_MS);
        await advance(250);
        expect(
          await leases.renewMany(
            [
              { generationId: kept, epoch: keptLease.epoch },
              { generationId: lost, epoch: lostLease.epoch },
            ],
            400,
          ),
        ).toEqual([lost]);
        await advance(250);
        expect(await leases.isCurrent(kept, keptLease.epoch)).toBe(true);
        expect(await leases.holder(lost)).toEqual(taken);
        expect(await leases.renewMany([], 400)).toEqual([]);
      }));

    test('expired lists leases that expired unreleased, until taken over or released', () =>
      withLeases(async (leases) => {
        const dead = generationId();
        const released = generationId();
        const live = generationId();
        const deadLease = await leases.acquire(dead, 'node-a', 50);
        const releasedLease = await leases.acquire(released, 'node-a', 50);
        await leases.acquire(live, 'node-a', LONG_MS);
        if (deadLease === undefined || releasedLease === undefined) throw new Error('no lease');
        expect(await leases.release(released, releasedLease.epoch)).toBe(true);
        await advance(150);
        const listed = await leases.expired(1000);
        expect(listed).toContain(dead);
        expect(listed).not.toContain(released);
        expect(listed).not.toContain(live);
        // A stale release does not unlist it; the taker's lease does, until it expires too.
        expect(await leases.release(dead, deadLease.epoch)).toBe(false);
        const taken = await leases.acquire(dead, 'node-b', LONG_MS);
        if (taken === undefined) throw new Error('no lease');
        expect(await leases.expired(1000)).not.toContain(dead);
        expect(await leases.release(dead, taken.epoch)).toBe(true);
        expect(await leases.expired(1000)).not.toContain(dead);
      }));

    test('an expired-at-once lease is free and listed for takeover; a stale epoch cannot expire it', () =>
      withLeases(async (leases) => {
        const id = generationId();
        const lease = await leases.acquire(id, 'node-a', LONG_MS);
        if (lease === undefined) throw new Error('no lease');
        expect(await leases.expire(id, lease.epoch + 1)).toBe(false);
        expect(await leases.expire(id, lease.epoch)).toBe(true);
        expect(await leases.holder(id)).toBeUndefined();
        expect(await leases.expired(1000)).toContain(id);
        expect(await leases.expire(id, lease.epoch)).toBe(false);
        const taken = await leases.acquire(id, 'node-b', LONG_MS);
        expect(taken?.epoch).toBeGreaterThan(lease.epoch);
        expect(await leases.expired(1000)).not.toContain(id);
      }));
  });
}
