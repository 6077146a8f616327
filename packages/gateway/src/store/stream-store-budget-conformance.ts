/**
 * The second behavioural suite every StreamStore must pass, beside
 * `stream-store-conformance.ts`: packed JSON appends, forks that share their source's
 * data (chains of forks, split appends, deleted sources), and per-account budgets of
 * streams and stored bytes as `stream-budget.ts` counts them. Only the StreamStore
 * interface is used; offsets stay opaque.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { messagesCost, STORED_BUFFER_OVERHEAD_BYTES, textCost } from './stream-budget.ts';
import {
  InvalidOffsetError,
  type ReadBatch,
  type StreamBudget,
  StreamBytesExceededError,
  StreamCountExceededError,
  type StreamStore,
} from './stream-store.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Several JSON values packed as the Durable Streams routes pack them. */
function packed(values: readonly unknown[]): { data: Uint8Array; packedEnds: Uint32Array } {
  const texts = values.map((value) => JSON.stringify(value));
  const packedEnds = new Uint32Array(texts.length);
  let end = 0;
  texts.forEach((text, index) => {
    end += encoder.encode(text).byteLength;
    packedEnds[index] = end;
  });
  return { data: encoder.encode(texts.join('')), packedEnds };
}

function values(batch: ReadBatch): unknown[] {
  return batch.messages.map((message) => JSON.parse(decoder.decode(message.data)) as unknown);
}

async function readAllValues(store: StreamStore, path: string, maxMessages?: number) {
  const all: unknown[] = [];
  let offset = '-1';
  for (;;) {
    const batch = await store.read(path, {
      offset,
      ...(maxMessages === undefined ? {} : { maxMessages }),
    });
    all.push(...values(batch));
    offset = batch.nextOffset;
    if (batch.upToDate) return all;
  }
}

async function readAllText(store: StreamStore, path: string): Promise<string> {
  let text = '';
  let offset = '-1';
  for (;;) {
    const batch = await store.read(path, { offset });
    for (const message of batch.messages) text += decoder.decode(message.data);
    offset = batch.nextOffset;
    if (batch.upToDate) return text;
  }
}

async function rejection(pending: Promise<unknown>): Promise<unknown> {
  return pending.then(
    () => undefined,
    (error: unknown) => error,
  );
}

export function runStreamStoreBudgetConformance(
  name: string,
  factory: () => Promise<StreamStore> | StreamStore,
): void {
  describe(`StreamStore storage and budget conformance: ${name}`, () => {
    let store: StreamStore;
    let counter = 0;
    const unique = (label: string): string => {
      counter += 1;
      return `budget-conformance/${label}-${Date.now()}-${counter}`;
    };
    const budget = (limits: Partial<StreamBudget> = {}): StreamBudget => ({
      account: unique('account'),
      maxStreams: 1000,
      maxBytes: 1024 * 1024,
      ...limits,
    });

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.dispose();
    });

    describe('packed JSON appends', () => {
      test('read back message by message, with an offset each, in bounded batches', async () => {
        const path = unique('packed');
        const initial = packed([1, 2]);
        await store.create(path, {
          contentType: 'application/json',
          initialMessages: [initial.data],
          initialPackedEnds: initial.packedEnds,
        });
        const more = packed([{ a: 3 }, 'four', [5]]);
        const appended = await store.append(path, [more.data], { packedEnds: more.packedEnds });
        expect(appended.offsets).toHaveLength(3);
        await store.append(path, [encoder.encode('6')]);
        expect(await readAllValues(store, path, 2)).toEqual([1, 2, { a: 3 }, 'four', [5], 6]);
        const all = await store.read(path, { offset: '-1' });
        expect(all.messages.slice(2, 5).map((message) => message.offset)).toEqual(appended.offsets);
        const middle = await store.read(path, { offset: appended.offsets[0] ?? '' });
        expect(values(middle)).toEqual(['four', [5], 6]);
      });

      test('a fork can split a packed append with a sub-offset', async () => {
        const source = unique('packed-source');
        const batch = packed(['a', 'b', 'c', 'd']);
        const { info } = await store.create(source, { contentType: 'application/json' });
        await store.append(source, [batch.data], { packedEnds: batch.packedEnds });
        const fork = unique('packed-fork');
        await store.create(fork, {
          fork: { sourcePath: source, offset: info.tailOffset, subOffset: 2 },
        });
        await store.append(fork, [encoder.encode('"fork"')]);
        expect(await readAllValues(store, fork)).toEqual(['a', 'b', 'fork']);
        await expect(
          store.create(unique('packed-over'), {
            fork: { sourcePath: source, offset: info.tailOffset, subOffset: 5 },
          }),
        ).rejects.toBeInstanceOf(InvalidOffsetError);
      });
    });

    describe('shared forks', () => {
      test('a fork of a fork reads through the whole chain, each at its own fork point', async () => {
        const root = unique('chain-root');
        await store.create(root, { contentType: 'text/plain' });
        await store.append(root, [encoder.encode('abc')]);
        const middle = unique('chain-middle');
        await store.create(middle, { fork: { sourcePath: root, offset: '-1', subOffset: 2 } });
        await store.append(middle, [encoder.encode('XY')]);
        // The leaf forks the middle inside the root's part, before the middle's own data.
        const leaf = unique('chain-leaf');
        await store.create(leaf, { fork: { sourcePath: middle, offset: '-1', subOffset: 1 } });
        await store.append(leaf, [encoder.encode('!')]);
        const late = unique('chain-late');
        await store.create(late, { fork: { sourcePath: middle } });
        await store.append(root, [encoder.encode('later')]);
        expect(await readAllText(store, root)).toBe('abclater');
        expect(await readAllText(store, middle)).toBe('abXY');
        expect(await readAllText(store, leaf)).toBe('a!');
        expect(await readAllText(store, late)).toBe('abXY');
        await store.delete(middle);
        expect(await readAllText(store, leaf)).toBe('a!');
        expect(await readAllText(store, late)).toBe('abXY');
      });

      test("a deleted source's data stays readable through its forks until they go", async () => {
        const source = unique('held-source');
        const { info } = await store.create(source, { contentType: 'application/json' });
        const batch = packed([1, 2, 3]);
        await store.append(source, [batch.data], { packedEnds: batch.packedEnds });
        const fork = unique('held-fork');
        await store.create(fork, { fork: { sourcePath: source, offset: info.tailOffset } });
        const tail = unique('held-tail');
        await store.create(tail, { fork: { sourcePath: source } });
        await store.delete(source);
        expect(await readAllValues(store, fork)).toEqual([]);
        expect(await readAllValues(store, tail, 1)).toEqual([1, 2, 3]);
      });
    });

    describe('budgets', () => {
      test('creating past the stream count is refused until a stream goes', async () => {
        const limits = budget({ maxStreams: 2 });
        const [first, second, third] = [unique('count'), unique('count'), unique('count')];
        await store.create(first, { contentType: 'text/plain', budget: limits });
        await store.create(second, { contentType: 'text/plain', budget: limits });
        // Re-creating an existing stream takes no new slot.
        await store.create(second, { contentType: 'text/plain', budget: limits });
        const refused = await rejection(
          store.create(third, { contentType: 'text/plain', budget: limits }),
        );
        expect(StreamCountExceededError.isInstance(refused)).toBe(true);
        expect(await store.head(third)).toBeUndefined();
        // Another account's budget is its own.
        await store.create(third, { contentType: 'text/plain', budget: budget({ maxStreams: 1 }) });
        await store.delete(first);
        await store.create(first, { contentType: 'text/plain', budget: limits });
      });

      test('data past the byte budget is refused and not stored; deleting gives it back', async () => {
        const hundred = new Uint8Array(100).fill(0x61);
        const perAppend = messagesCost([hundred], false);
        expect(perAppend).toBe(100 + STORED_BUFFER_OVERHEAD_BYTES);
        const limits = budget({ maxBytes: 3 * perAppend });
        const path = unique('bytes');
        await store.create(path, {
          contentType: 'text/plain',
          initialMessages: [hundred],
          budget: limits,
        });
        await store.append(path, [hundred], { budget: limits });
        await store.append(path, [hundred], { budget: limits });
        const refused = await rejection(
          store.append(path, [new Uint8Array(1)], { budget: limits }),
        );
        expect(StreamBytesExceededError.isInstance(refused)).toBe(true);
        expect((await readAllText(store, path)).length).toBe(300);
        const other = unique('bytes-other');
        const initialRefused = await rejection(
          store.create(other, {
            contentType: 'text/plain',
            initialMessages: [new Uint8Array(1)],
            budget: limits,
          }),
        );
        expect(StreamBytesExceededError.isInstance(initialRefused)).toBe(true);
        expect(await store.head(other)).toBeUndefined();
        await store.delete(path);
        await store.create(other, {
          contentType: 'text/plain',
          initialMessages: [hundred, hundred],
          budget: limits,
        });
      });

      test('a packed append costs its bytes and four bytes per message, not a buffer each', async () => {
        const batch = packed(Array.from({ length: 1000 }, () => 0));
        const cost = messagesCost({ data: batch.data, ends: batch.packedEnds }, true);
        expect(cost).toBe(STORED_BUFFER_OVERHEAD_BYTES + 1000 + 4 * 1000);
        const path = unique('packed-cost');
        const exact = budget({ maxBytes: cost });
        await store.create(path, { contentType: 'application/json', budget: exact });
        await store.append(path, [batch.data], { packedEnds: batch.packedEnds, budget: exact });
        const refused = await rejection(
          store.append(path, [encoder.encode('1')], { budget: exact }),
        );
        expect(StreamBytesExceededError.isInstance(refused)).toBe(true);
      });

      test("forks share their source's bytes: twenty forks fit where one copy would not", async () => {
        const data = new Uint8Array(10_000).fill(0x62);
        const limits = budget({ maxBytes: messagesCost([data], false) + 1000 });
        const source = unique('shared-source');
        await store.create(source, {
          contentType: 'application/octet-stream',
          initialMessages: [data],
          budget: limits,
        });
        const forks = Array.from({ length: 20 }, () => unique('shared-fork'));
        for (const fork of forks) {
          await store.create(fork, { fork: { sourcePath: source }, budget: limits });
        }
        expect((await store.read(forks[19] ?? '', { offset: '-1' })).messages[0]?.data).toEqual(
          data,
        );
        // What the forks add themselves counts: the rest of the budget is 1,000 bytes.
        await store.append(forks[0] ?? '', [new Uint8Array(500)], { budget: limits });
        const refused = await rejection(
          store.append(forks[1] ?? '', [new Uint8Array(500)], { budget: limits }),
        );
        expect(StreamBytesExceededError.isInstance(refused)).toBe(true);
      });

      test('a deleted source that forks hold keeps counting until the last fork goes', async () => {
        const limits = budget({ maxStreams: 2 });
        const source = unique('tombstone-source');
        const fork = unique('tombstone-fork');
        await store.create(source, { contentType: 'text/plain', budget: limits });
        await store.create(fork, { fork: { sourcePath: source }, budget: limits });
        await store.delete(source);
        const refused = await rejection(
          store.create(unique('tombstone-more'), { contentType: 'text/plain', budget: limits }),
        );
        expect(StreamCountExceededError.isInstance(refused)).toBe(true);
        await store.delete(fork);
        await store.create(unique('tombstone-after'), {
          contentType: 'text/plain',
          budget: limits,
        });
        await store.create(unique('tombstone-after'), {
          contentType: 'text/plain',
          budget: limits,
        });
      });

      test('producer ids and Stream-Seq values the store keeps count too', async () => {
        const one = new Uint8Array(1);
        const limits = budget({ maxBytes: 10 * messagesCost([one], false) });
        const path = unique('bookkeeping');
        await store.create(path, { contentType: 'text/plain', budget: limits });
        const longId = 'p'.repeat(2000);
        expect(textCost(longId)).toBeGreaterThan(limits.maxBytes);
        const refused = await rejection(
          store.append(path, [one], {
            budget: limits,
            producer: { id: longId, epoch: 0, seq: 0 },
          }),
        );
        expect(StreamBytesExceededError.isInstance(refused)).toBe(true);
        const refusedSeq = await rejection(
          store.append(path, [one], { budget: limits, streamSeq: longId }),
        );
        expect(StreamBytesExceededError.isInstance(refusedSeq)).toBe(true);
        await store.append(path, [one], {
          budget: limits,
          producer: { id: 'p', epoch: 0, seq: 0 },
        });
      });

      test('an expired stream gives its slot back', async () => {
        const limits = budget({ maxStreams: 1 });
        await store.create(unique('expiring'), {
          contentType: 'text/plain',
          expiresAt: new Date(Date.now() + 50),
          budget: limits,
        });
        await vi.waitFor(
          () => store.create(unique('after-expiry'), { contentType: 'text/plain', budget: limits }),
          { timeout: 5000, interval: 25 },
        );
      });
    });
  });
}
