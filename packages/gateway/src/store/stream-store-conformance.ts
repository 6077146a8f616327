/**
 * The one behavioural suite every StreamStore must pass (memory and Redis).
 * It uses only the StreamStore interface: offsets are treated as opaque tokens that
 * sort in stream order, never parsed.
 */
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { followStream } from './follow-stream.ts';
import {
  ContentTypeMismatchError,
  InvalidOffsetError,
  ProducerEpochStaleError,
  ProducerSequenceError,
  type ReadBatch,
  StreamClosedError,
  StreamConflictError,
  StreamGoneError,
  StreamNotFoundError,
  StreamSeqConflictError,
  type StreamStore,
} from './stream-store.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function json(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function texts(batch: ReadBatch): string[] {
  return batch.messages.map((message) => decoder.decode(message.data));
}

function values(batch: ReadBatch): unknown[] {
  return texts(batch).map((text) => JSON.parse(text) as unknown);
}

async function readAll(store: StreamStore, path: string, offset = '-1'): Promise<string[]> {
  const all: string[] = [];
  let next = offset;
  for (;;) {
    const batch = await store.read(path, { offset: next });
    all.push(...texts(batch));
    next = batch.nextOffset;
    if (batch.upToDate) return all;
  }
}

/** Lets pending promise callbacks run, so a waiting read is really waiting. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function runStreamStoreConformance(
  name: string,
  factory: () => Promise<StreamStore> | StreamStore,
): void {
  describe(`StreamStore conformance: ${name}`, () => {
    let store: StreamStore;
    let counter = 0;
    const uniquePath = (label: string): string => {
      counter += 1;
      return `conformance/${label}-${Date.now()}-${counter}`;
    };

    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.dispose();
    });

    describe('create', () => {
      test('creates a stream once and is idempotent for the same options', async () => {
        const path = uniquePath('create');
        const first = await store.create(path, { contentType: 'application/json' });
        expect(first.created).toBe(true);
        expect(first.info).toMatchObject({ path, contentType: 'application/json', closed: false });
        const again = await store.create(path, { contentType: 'application/json' });
        expect(again.created).toBe(false);
        expect(again.info.tailOffset).toBe(first.info.tailOffset);
      });

      test('treats the media type case-insensitively when re-creating', async () => {
        const path = uniquePath('create-case');
        await store.create(path, { contentType: 'text/plain' });
        const again = await store.create(path, { contentType: 'TEXT/PLAIN' });
        expect(again.created).toBe(false);
      });

      test('rejects a re-create with a different configuration', async () => {
        const path = uniquePath('create-conflict');
        await store.create(path, { contentType: 'application/json', ttlSeconds: 60 });
        await expect(
          store.create(path, { contentType: 'text/plain', ttlSeconds: 60 }),
        ).rejects.toBeInstanceOf(StreamConflictError);
        await expect(
          store.create(path, { contentType: 'application/json', ttlSeconds: 120 }),
        ).rejects.toBeInstanceOf(StreamConflictError);
      });

      test('stores initial messages and can create a closed stream', async () => {
        const path = uniquePath('create-initial');
        const { info } = await store.create(path, {
          contentType: 'application/json',
          initialMessages: [json({ n: 1 }), json({ n: 2 })],
          closed: true,
        });
        expect(info.closed).toBe(true);
        const batch = await store.read(path, { offset: '-1' });
        expect(values(batch)).toEqual([{ n: 1 }, { n: 2 }]);
        expect(batch.nextOffset).toBe(info.tailOffset);
        expect(batch.closed).toBe(true);
        await expect(store.append(path, [json({ n: 3 })])).rejects.toBeInstanceOf(
          StreamClosedError,
        );
      });

      test('reports time to live and absolute expiry', async () => {
        const ttlPath = uniquePath('create-ttl');
        const expiresPath = uniquePath('create-expires');
        const expiresAt = new Date(Date.now() + 3_600_000);
        await store.create(ttlPath, { contentType: 'text/plain', ttlSeconds: 3600 });
        await store.create(expiresPath, { contentType: 'text/plain', expiresAt });
        expect((await store.head(ttlPath))?.ttlSeconds).toBe(3600);
        expect((await store.head(expiresPath))?.expiresAt?.getTime()).toBe(expiresAt.getTime());
      });
    });

    describe('append and read', () => {
      test('assigns strictly increasing offsets and ends at the tail', async () => {
        const path = uniquePath('offsets');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const seen = [info.tailOffset];
        for (let index = 0; index < 20; index++) {
          const result = await store.append(path, [json(index), json(index + 100)]);
          expect(result.offsets).toHaveLength(2);
          expect(result.offset).toBe(result.offsets[1]);
          seen.push(...result.offsets);
        }
        for (let index = 1; index < seen.length; index++) {
          expect((seen[index] ?? '') > (seen[index - 1] ?? '')).toBe(true);
        }
        expect((await store.head(path))?.tailOffset).toBe(seen[seen.length - 1]);
      });

      test('reads from the beginning, from the middle and from the tail', async () => {
        const path = uniquePath('read');
        await store.create(path, { contentType: 'application/json' });
        const first = await store.append(path, [json('a'), json('b')]);
        const second = await store.append(path, [json('c')]);

        const all = await store.read(path, { offset: '-1' });
        expect(values(all)).toEqual(['a', 'b', 'c']);
        expect(all.messages.map((message) => message.offset)).toEqual([
          ...first.offsets,
          ...second.offsets,
        ]);
        expect(all).toMatchObject({ nextOffset: second.offset, upToDate: true, closed: false });

        const middle = await store.read(path, { offset: first.offsets[0] ?? '' });
        expect(values(middle)).toEqual(['b', 'c']);

        const tail = await store.read(path, { offset: second.offset });
        expect(tail).toMatchObject({ messages: [], nextOffset: second.offset, upToDate: true });

        const now = await store.read(path, { offset: 'now' });
        expect(now).toMatchObject({ messages: [], nextOffset: second.offset, upToDate: true });
      });

      test('keeps byte streams byte-exact across appends', async () => {
        const path = uniquePath('bytes');
        await store.create(path, { contentType: 'application/octet-stream' });
        const bytes = Uint8Array.from({ length: 256 }, (_, index) => index);
        await store.append(path, [bytes.subarray(0, 100)]);
        await store.append(path, [bytes.subarray(100)]);
        const batch = await store.read(path, { offset: '-1' });
        expect(Buffer.concat(batch.messages.map((message) => message.data))).toEqual(
          Buffer.from(bytes),
        );
      });

      test('rejects malformed offsets and offsets beyond the tail', async () => {
        const shortPath = uniquePath('offset-short');
        const longPath = uniquePath('offset-long');
        await store.create(shortPath, { contentType: 'application/json' });
        await store.create(longPath, { contentType: 'application/json' });
        await store.append(shortPath, [json(1)]);
        const long = await store.append(longPath, [json(1), json(2), json(3)]);
        for (const offset of ['', 'abc', '-2', '1,2', '../x']) {
          await expect(store.read(shortPath, { offset })).rejects.toBeInstanceOf(
            InvalidOffsetError,
          );
        }
        await expect(store.read(shortPath, { offset: long.offset })).rejects.toBeInstanceOf(
          InvalidOffsetError,
        );
      });

      test('bounds batches by maxMessages and lets readers loop for the rest', async () => {
        const path = uniquePath('batches');
        await store.create(path, { contentType: 'application/json' });
        await store.append(
          path,
          Array.from({ length: 10 }, (_, index) => json(index)),
        );
        const first = await store.read(path, { offset: '-1', maxMessages: 3 });
        expect(values(first)).toEqual([0, 1, 2]);
        expect(first.upToDate).toBe(false);
        const collected: unknown[] = [];
        let offset = '-1';
        for (;;) {
          const batch = await store.read(path, { offset, maxMessages: 3 });
          expect(batch.messages.length).toBeLessThanOrEqual(3);
          collected.push(...values(batch));
          offset = batch.nextOffset;
          if (batch.upToDate) break;
        }
        expect(collected).toEqual(Array.from({ length: 10 }, (_, index) => index));
      });

      test('reports missing streams', async () => {
        const path = uniquePath('missing');
        await expect(store.read(path, { offset: '-1' })).rejects.toBeInstanceOf(
          StreamNotFoundError,
        );
        await expect(store.append(path, [json(1)])).rejects.toBeInstanceOf(StreamNotFoundError);
        expect(await store.head(path)).toBeUndefined();
      });

      test('checks the content type on append when asked', async () => {
        const path = uniquePath('content-type');
        await store.create(path, { contentType: 'text/plain' });
        await expect(
          store.append(path, [encoder.encode('x')], { contentType: 'application/json' }),
        ).rejects.toBeInstanceOf(ContentTypeMismatchError);
        await store.append(path, [encoder.encode('x')], {
          contentType: 'Text/Plain; charset=utf-8',
        });
        expect(await readAll(store, path)).toEqual(['x']);
      });
    });

    describe('waiting reads', () => {
      test('a waiting read wakes on append', async () => {
        const path = uniquePath('wait-append');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const pending = store.read(path, { offset: info.tailOffset, wait: true });
        await settle();
        await store.append(path, [json('hello')]);
        const batch = await pending;
        expect(values(batch)).toEqual(['hello']);
        expect(batch.upToDate).toBe(true);
      });

      test('a waiting read wakes on close with closed set', async () => {
        const path = uniquePath('wait-close');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const pending = store.read(path, { offset: info.tailOffset, wait: true });
        await settle();
        await store.close(path);
        const batch = await pending;
        expect(batch).toMatchObject({ messages: [], closed: true, upToDate: true });
      });

      test('a waiting read fails with not found when the stream is deleted', async () => {
        const path = uniquePath('wait-delete');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const pending = store.read(path, { offset: info.tailOffset, wait: true });
        await settle();
        await store.delete(path);
        await expect(pending).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      test('aborting the signal ends a wait with an empty batch and leaves no listener', async () => {
        const path = uniquePath('wait-abort');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const controller = new AbortController();
        const pending = store.read(path, {
          offset: info.tailOffset,
          wait: true,
          signal: controller.signal,
        });
        await settle();
        controller.abort();
        const batch = await pending;
        expect(batch).toMatchObject({ messages: [], nextOffset: info.tailOffset, closed: false });
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      });

      test('a wait woken by data removes its abort listener', async () => {
        const path = uniquePath('wait-listener');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const controller = new AbortController();
        let offset = info.tailOffset;
        for (let index = 0; index < 5; index++) {
          const pending = store.read(path, { offset, wait: true, signal: controller.signal });
          await settle();
          await store.append(path, [json(index)]);
          offset = (await pending).nextOffset;
        }
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      });

      test('many waits sharing one signal all end on abort and leave no listener', async () => {
        const path = uniquePath('wait-shared-signal');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const controller = new AbortController();
        const waits = Array.from({ length: 100 }, () =>
          store.read(path, { offset: info.tailOffset, wait: true, signal: controller.signal }),
        );
        await settle();
        await store.append(path, [json('first')]);
        for (const batch of await Promise.all(waits)) expect(values(batch)).toEqual(['first']);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
        const tail = (await store.head(path))?.tailOffset ?? '';
        const aborted = Array.from({ length: 100 }, () =>
          store.read(path, { offset: tail, wait: true, signal: controller.signal }),
        );
        await settle();
        controller.abort();
        for (const batch of await Promise.all(aborted)) expect(batch.messages).toEqual([]);
        expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      });

      test('an already aborted signal returns at once', async () => {
        const path = uniquePath('wait-aborted');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const batch = await store.read(path, {
          offset: info.tailOffset,
          wait: true,
          signal: AbortSignal.abort(),
        });
        expect(batch.messages).toEqual([]);
      });

      test('a read with data available does not wait', async () => {
        const path = uniquePath('wait-data');
        await store.create(path, { contentType: 'application/json', initialMessages: [json(1)] });
        const batch = await store.read(path, { offset: '-1', wait: true });
        expect(values(batch)).toEqual([1]);
      });

      test('many concurrent readers all receive the same append', async () => {
        const path = uniquePath('wait-many');
        const { info } = await store.create(path, { contentType: 'application/json' });
        const readers = Array.from({ length: 200 }, () =>
          store.read(path, { offset: info.tailOffset, wait: true }),
        );
        await settle();
        const appended = await store.append(path, [json('fan-out')]);
        const batches = await Promise.all(readers);
        for (const batch of batches) {
          expect(values(batch)).toEqual(['fan-out']);
          expect(batch.nextOffset).toBe(appended.offset);
        }
      });

      test('followStream yields every message in order and ends on close', async () => {
        const path = uniquePath('follow');
        await store.create(path, { contentType: 'application/json' });
        const controller = new AbortController();
        const seen: unknown[] = [];
        const following = (async () => {
          for await (const batch of followStream(store, path, {
            offset: '-1',
            signal: controller.signal,
          })) {
            seen.push(...values(batch));
          }
        })();
        for (let index = 0; index < 50; index++) {
          await store.append(path, [json(index)], index === 49 ? { close: true } : {});
          if (index % 10 === 0) await settle();
        }
        await following;
        expect(seen).toEqual(Array.from({ length: 50 }, (_, index) => index));
      });
    });

    describe('closing', () => {
      test('append with close is atomic and later appends are rejected', async () => {
        const path = uniquePath('close-append');
        await store.create(path, { contentType: 'application/json' });
        const result = await store.append(path, [json('last')], { close: true });
        expect(result.closed).toBe(true);
        const batch = await store.read(path, { offset: '-1' });
        expect(batch).toMatchObject({ closed: true, upToDate: true });
        expect(values(batch)).toEqual(['last']);
        const error = await store.append(path, [json('late')]).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(StreamClosedError);
        expect((error as StreamClosedError).tailOffset).toBe(result.offset);
      });

      test('close is idempotent and reported by head', async () => {
        const path = uniquePath('close');
        await store.create(path, { contentType: 'text/plain' });
        await store.close(path);
        const info = await store.close(path);
        expect(info.closed).toBe(true);
        expect((await store.head(path))?.closed).toBe(true);
      });

      test('a partial read of a closed stream is not closed yet', async () => {
        const path = uniquePath('close-partial');
        await store.create(path, { contentType: 'application/json' });
        await store.append(path, [json(1), json(2)], { close: true });
        const partial = await store.read(path, { offset: '-1', maxMessages: 1 });
        expect(partial).toMatchObject({ upToDate: false, closed: false });
      });
    });

    describe('deleting', () => {
      test('delete removes the stream and its path can be reused', async () => {
        const path = uniquePath('delete');
        await store.create(path, { contentType: 'application/json', initialMessages: [json(1)] });
        expect(await store.delete(path)).toBe(true);
        expect(await store.head(path)).toBeUndefined();
        await expect(store.read(path, { offset: '-1' })).rejects.toBeInstanceOf(
          StreamNotFoundError,
        );
        expect(await store.delete(path)).toBe(false);
        await store.create(path, { contentType: 'application/json' });
        expect((await store.read(path, { offset: '-1' })).messages).toEqual([]);
      });
    });

    describe('expiry', () => {
      test('an expired stream behaves as not found', async () => {
        const path = uniquePath('expire');
        await store.create(path, {
          contentType: 'text/plain',
          expiresAt: new Date(Date.now() + 50),
        });
        await vi.waitFor(async () => expect(await store.head(path)).toBeUndefined(), {
          timeout: 5000,
          interval: 25,
        });
        await expect(store.read(path, { offset: '-1' })).rejects.toBeInstanceOf(
          StreamNotFoundError,
        );
        await store.create(path, { contentType: 'text/plain' });
        expect(await store.head(path)).toBeDefined();
      });

      test('a waiting reader of an expiring stream is released', async () => {
        const path = uniquePath('expire-wait');
        const { info } = await store.create(path, {
          contentType: 'text/plain',
          expiresAt: new Date(Date.now() + 50),
        });
        await expect(
          store.read(path, { offset: info.tailOffset, wait: true }),
        ).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    describe('writer coordination', () => {
      test('Stream-Seq must strictly increase in byte order', async () => {
        const path = uniquePath('stream-seq');
        await store.create(path, { contentType: 'text/plain' });
        await store.append(path, [encoder.encode('a')], { streamSeq: '09' });
        await store.append(path, [encoder.encode('b')], { streamSeq: '10' });
        await expect(
          store.append(path, [encoder.encode('c')], { streamSeq: '10' }),
        ).rejects.toBeInstanceOf(StreamSeqConflictError);
        await expect(
          store.append(path, [encoder.encode('c')], { streamSeq: '2' }),
        ).resolves.toBeDefined();
        expect(await readAll(store, path)).toEqual(['a', 'b', 'c']);
      });

      test('idempotent producers deduplicate retries and fence stale epochs', async () => {
        const path = uniquePath('producer');
        await store.create(path, { contentType: 'text/plain' });
        const producer = (epoch: number, seq: number) => ({
          producer: { id: 'writer', epoch, seq },
        });
        expect(
          (await store.append(path, [encoder.encode('0')], producer(0, 0))).duplicate,
        ).not.toBe(true);
        const retry = await store.append(path, [encoder.encode('0')], producer(0, 0));
        expect(retry).toMatchObject({ duplicate: true, producer: { epoch: 0, seq: 0 } });
        await store.append(path, [encoder.encode('1')], producer(0, 1));
        const gap = await store
          .append(path, [encoder.encode('3')], producer(0, 3))
          .catch((caught: unknown) => caught);
        expect(gap).toBeInstanceOf(ProducerSequenceError);
        expect(gap).toMatchObject({ expectedSeq: 2, receivedSeq: 3 });
        await expect(
          store.append(path, [encoder.encode('x')], producer(1, 4)),
        ).rejects.toBeInstanceOf(ProducerSequenceError);
        await store.append(path, [encoder.encode('e1')], producer(1, 0));
        const stale = await store
          .append(path, [encoder.encode('zombie')], producer(0, 2))
          .catch((caught: unknown) => caught);
        expect(stale).toBeInstanceOf(ProducerEpochStaleError);
        expect(stale).toMatchObject({ currentEpoch: 1 });
        expect(await readAll(store, path)).toEqual(['0', '1', 'e1']);
      });

      test('a retried closing append is a duplicate, a different one is rejected', async () => {
        const path = uniquePath('producer-close');
        await store.create(path, { contentType: 'text/plain' });
        const closing = { close: true, producer: { id: 'writer', epoch: 0, seq: 0 } };
        await store.append(path, [encoder.encode('final')], closing);
        const retry = await store.append(path, [encoder.encode('other')], closing);
        expect(retry).toMatchObject({ duplicate: true, closed: true });
        await expect(
          store.append(path, [encoder.encode('x')], {
            producer: { id: 'writer', epoch: 0, seq: 1 },
          }),
        ).rejects.toBeInstanceOf(StreamClosedError);
        expect(await readAll(store, path)).toEqual(['final']);
      });
    });

    describe('forks', () => {
      test('a fork starts with the source prefix and then diverges', async () => {
        const source = uniquePath('fork-source');
        const fork = uniquePath('fork');
        await store.create(source, { contentType: 'application/json' });
        const first = await store.append(source, [json('a'), json('b')]);
        await store.append(source, [json('c')]);
        const created = await store.create(fork, {
          fork: { sourcePath: source, offset: first.offset },
        });
        expect(created.info.contentType).toBe('application/json');
        await store.append(fork, [json('fork')]);
        await store.append(source, [json('source')]);
        expect(values(await store.read(fork, { offset: '-1' }))).toEqual(['a', 'b', 'fork']);
        expect(values(await store.read(source, { offset: '-1' }))).toEqual([
          'a',
          'b',
          'c',
          'source',
        ]);
      });

      test('a fork can split one append with a sub-offset', async () => {
        const source = uniquePath('fork-split-source');
        const fork = uniquePath('fork-split');
        await store.create(source, { contentType: 'text/plain' });
        await store.append(source, [encoder.encode('hello')]);
        await store.create(fork, { fork: { sourcePath: source, offset: '-1', subOffset: 3 } });
        expect((await readAll(store, fork)).join('')).toBe('hel');
        await expect(
          store.create(uniquePath('fork-over'), {
            fork: { sourcePath: source, offset: '-1', subOffset: 6 },
          }),
        ).rejects.toBeInstanceOf(InvalidOffsetError);
      });

      test('deleting a forked source leaves a tombstone until the last fork goes', async () => {
        const source = uniquePath('fork-tombstone-source');
        const fork = uniquePath('fork-tombstone');
        await store.create(source, { contentType: 'text/plain' });
        await store.append(source, [encoder.encode('kept')]);
        await store.create(fork, { fork: { sourcePath: source } });
        expect(await store.delete(source)).toBe(true);
        await expect(store.head(source)).rejects.toBeInstanceOf(StreamGoneError);
        await expect(store.read(source, { offset: '-1' })).rejects.toBeInstanceOf(StreamGoneError);
        await expect(store.create(source, { contentType: 'text/plain' })).rejects.toBeInstanceOf(
          StreamConflictError,
        );
        expect(await readAll(store, fork)).toEqual(['kept']);
        await store.delete(fork);
        expect(await store.head(source)).toBeUndefined();
      });

      test('forking a missing source fails with not found', async () => {
        await expect(
          store.create(uniquePath('fork-missing'), {
            fork: { sourcePath: uniquePath('nothing') },
          }),
        ).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });
  });
}
