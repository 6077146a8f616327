/**
 * The `GenerationStore` conformance suite: what the gateway relies on from any record
 * store — copies in and out, compare-and-set status transitions (exactly one of two
 * racing writers wins), removal of cleared fields, lists by session and end user, and a
 * control channel plus update events that reach every subscriber, the producer-epoch fence
 * of a taken-over generation and the kept request. Memory and Redis run it.
 */
import { describe, expect, test } from 'vitest';
import type { GenerationRecord } from '../generation/generation-record.ts';
import type { GenerationStore, GenerationStoreEvent } from './generation-store.ts';

let counter = 0;

export function sampleRecord(overrides: Partial<GenerationRecord> = {}): GenerationRecord {
  counter += 1;
  const id = `gen_${counter.toString(16).padStart(32, '0')}`;
  return {
    id,
    model: 'simulator',
    provider: 'simulator',
    streamPath: `generations/${id}`,
    createdAt: new Date().toISOString(),
    onDisconnect: 'continue',
    policyVersion: 'default@0',
    modelConfigurationVersion: 'abc',
    tenant: 'default',
    tracksStructuredOutput: false,
    status: 'running',
    usage: { inputTokens: 0, outputTokens: 0 },
    text: '',
    reasoning: '',
    toolCalls: [],
    finalized: false,
    ...overrides,
  };
}

export function describeGenerationStoreConformance(
  name: string,
  createStore: () => Promise<GenerationStore> | GenerationStore,
) {
  async function withStore(use: (store: GenerationStore) => Promise<void>) {
    const store = await createStore();
    try {
      await use(store);
    } finally {
      await store.dispose();
    }
  }

  describe(`GenerationStore conformance: ${name}`, () => {
    test('a created record reads back equal, as a copy', () =>
      withStore(async (store) => {
        const record = sampleRecord({ sessionId: 'session-1', endUserId: 'user-1' });
        await store.create(record);
        const read = await store.get(record.id);
        expect(read).toEqual(record);
        if (read) read.text = 'changed by the caller';
        expect((await store.get(record.id))?.text).toBe('');
        expect(await store.get('gen_unknown')).toBeUndefined();
      }));

    test('creating an existing id is refused', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        await expect(store.create(record)).rejects.toMatchObject({
          name: 'GenerationExistsError',
        });
      }));

    test('update applies a patch, removes cleared fields and returns the record', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        const updated = await store.update(record.id, {
          status: 'finished',
          finishReason: 'tool-calls',
          toolCalls: [{ toolCallId: 'c', toolName: 't', arguments: '{}' }],
          reviewItemId: 'review-1',
        });
        expect(updated).toMatchObject({ status: 'finished', reviewItemId: 'review-1' });
        const cleared = await store.update(record.id, { reviewItemId: undefined });
        expect(cleared).not.toHaveProperty('reviewItemId');
        expect(await store.get(record.id)).toEqual(cleared);
        expect(await store.update('gen_unknown', { status: 'failed' })).toBeUndefined();
      }));

    test('compare-and-set on status: of two racing transitions exactly one applies', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        const results = await Promise.all([
          store.update(record.id, { status: 'cancelled' }, { ifStatus: 'running' }),
          store.update(record.id, { status: 'finished' }, { ifStatus: 'running' }),
        ]);
        expect(results.filter((result) => result !== undefined)).toHaveLength(1);
        const winner = results.find((result) => result !== undefined);
        expect((await store.get(record.id))?.status).toBe(winner?.status);
      }));

    test('lists by session and by end user, and nothing without a filter', () =>
      withStore(async (store) => {
        const first = sampleRecord({ sessionId: 'list-session', endUserId: 'list-user' });
        const second = sampleRecord({ sessionId: 'list-session' });
        const other = sampleRecord({ sessionId: 'other-session', endUserId: 'list-user' });
        for (const record of [first, second, other]) await store.create(record);
        const bySession = await store.list({ sessionId: 'list-session' });
        expect(bySession.map((record) => record.id).sort()).toEqual([first.id, second.id].sort());
        const byUser = await store.list({ endUserId: 'list-user' });
        expect(byUser.map((record) => record.id).sort()).toEqual([first.id, other.id].sort());
        expect(await store.list({})).toEqual([]);
      }));

    test('control messages and updates reach every subscriber until it unsubscribes', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        const first: GenerationStoreEvent[] = [];
        const second: GenerationStoreEvent[] = [];
        const stopFirst = store.subscribe((event) => first.push(event));
        store.subscribe((event) => second.push(event));
        await store.control(record.id, { type: 'stop', cause: 'cancelled' });
        await store.update(record.id, { status: 'cancelled' });
        stopFirst();
        await store.control(record.id, { type: 'stop', cause: 'interrupted' });
        await waitUntil(() => second.length === 3);
        expect(first).toEqual([
          { type: 'control', id: record.id, control: { type: 'stop', cause: 'cancelled' } },
          { type: 'updated', record: expect.objectContaining({ status: 'cancelled' }) },
        ]);
        expect(second[2]).toEqual({
          type: 'control',
          id: record.id,
          control: { type: 'stop', cause: 'interrupted' },
        });
      }));

    test('a deleted record is gone', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        expect(await store.delete(record.id)).toBe(true);
        expect(await store.get(record.id)).toBeUndefined();
        expect(await store.delete(record.id)).toBe(false);
      }));

    test('a producer whose epoch moved on cannot change the record', () =>
      withStore(async (store) => {
        const record = sampleRecord({ producerEpoch: 1_733_390_000_000 });
        await store.create(record);
        // Another node takes the generation over: epoch 1 is fenced off from then on.
        const taken = await store.update(
          record.id,
          { producerEpoch: 1_733_390_000_001 },
          { ifStatus: 'running', ifProducerEpoch: 1_733_390_000_000 },
        );
        expect(taken?.producerEpoch).toBe(1_733_390_000_001);
        expect(
          await store.update(
            record.id,
            { status: 'finished' },
            { ifStatus: 'running', ifProducerEpoch: 1_733_390_000_000 },
          ),
        ).toBeUndefined();
        expect((await store.get(record.id))?.status).toBe('running');
        const ended = await store.update(
          record.id,
          { status: 'interrupted' },
          { ifStatus: 'running', ifProducerEpoch: 1_733_390_000_001 },
        );
        expect(ended?.status).toBe('interrupted');
      }));

    test('a kept request reads back until its record is deleted', () =>
      withStore(async (store) => {
        const record = sampleRecord();
        await store.create(record);
        expect(await store.keptRequest(record.id)).toBeUndefined();
        await store.keepRequest(record.id, '{"messages":[]}');
        expect(await store.keptRequest(record.id)).toBe('{"messages":[]}');
        await store.delete(record.id);
        expect(await store.keptRequest(record.id)).toBeUndefined();
        // Nothing is kept for a generation that has no record.
        await store.keepRequest(record.id, '{}');
        expect(await store.keptRequest(record.id)).toBeUndefined();
      }));
  });
}

/** Waits for a condition that a networked store's delivery makes true a little later. */
async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}
