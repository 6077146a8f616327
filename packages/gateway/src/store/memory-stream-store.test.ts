/**
 * Runs the shared StreamStore conformance suites against the in-memory store, then what
 * only the memory store shows: its per-account usage, which counts a fork's shared data
 * once and gives everything back when the streams go.
 */
import { describe, expect, test } from 'vitest';
import { MemoryStreamStore } from './memory-stream-store.ts';
import { messagesCost } from './stream-budget.ts';
import { runStreamStoreBudgetConformance } from './stream-store-budget-conformance.ts';
import { runStreamStoreConformance } from './stream-store-conformance.ts';

runStreamStoreConformance('memory', () => new MemoryStreamStore({ sweepIntervalMs: 20 }));
runStreamStoreBudgetConformance('memory', () => new MemoryStreamStore({ sweepIntervalMs: 20 }));

const budget = { account: 'tenant-a', maxStreams: 100, maxBytes: 64 * 1024 * 1024 };

describe('memory store usage', () => {
  test('twenty forks of a 1 MB stream add nothing to its stored bytes', async () => {
    const store = new MemoryStreamStore();
    const data = new Uint8Array(1024 * 1024).fill(1);
    await store.create('source', {
      contentType: 'application/octet-stream',
      initialMessages: [data],
      budget,
    });
    const sourceBytes = messagesCost([data], false);
    expect(store.usage('tenant-a')).toEqual({ streams: 1, bytes: sourceBytes });
    for (let index = 0; index < 20; index++) {
      await store.create(`fork-${index}`, { fork: { sourcePath: 'source' }, budget });
    }
    expect(store.usage('tenant-a')).toEqual({ streams: 21, bytes: sourceBytes });
    const read = await store.read('fork-19', { offset: '-1' });
    // The very buffer the source stored, not a copy of it.
    expect(read.messages[0]?.data.buffer).toBe(data.buffer);
    await store.dispose();
  });

  test('a deleted source keeps only what its forks can reach, then nothing', async () => {
    const store = new MemoryStreamStore();
    const chunk = new Uint8Array(1000);
    await store.create('source', { contentType: 'text/plain', budget });
    const first = await store.append('source', [chunk], { budget });
    for (let index = 0; index < 9; index++) await store.append('source', [chunk], { budget });
    await store.create('fork', { fork: { sourcePath: 'source', offset: first.offset }, budget });
    const perAppend = messagesCost([chunk], false);
    expect(store.usage('tenant-a').bytes).toBe(10 * perAppend);
    await store.delete('source');
    // The nine appends after the fork point are beyond any fork's reach.
    expect(store.usage('tenant-a')).toEqual({ streams: 2, bytes: perAppend });
    expect((await store.read('fork', { offset: '-1' })).messages[0]?.data).toEqual(chunk);
    await store.delete('fork');
    expect(store.usage('tenant-a')).toEqual({ streams: 0, bytes: 0 });
    await store.dispose();
  });

  test('streams created without a budget are not counted', async () => {
    const store = new MemoryStreamStore();
    await store.create('generations/x', {
      contentType: 'application/json',
      initialMessages: [new Uint8Array(10)],
    });
    await store.append('generations/x', [new Uint8Array(10)], { budget });
    expect(store.usage('tenant-a')).toEqual({ streams: 0, bytes: 0 });
    await store.dispose();
  });
});
