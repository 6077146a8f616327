import { describe, expect, test } from 'vitest';
import { MemoryStreamStore } from '../store/memory-stream-store.ts';
import { InstrumentedStreamStore } from './instrumented-stream-store.ts';

describe('InstrumentedStreamStore', () => {
  test('times one append and one non-waiting read in every sampleEvery, and delegates all', async () => {
    const timings: string[] = [];
    const store = new InstrumentedStreamStore(
      new MemoryStreamStore(),
      { storeOperation: (operation) => timings.push(operation) },
      { sampleEvery: 4 },
    );
    await store.create('s', { contentType: 'application/json' });
    for (let index = 0; index < 8; index += 1) {
      await store.append('s', [Buffer.from(JSON.stringify({ index }))]);
    }
    for (let index = 0; index < 4; index += 1) await store.read('s', { offset: '-1' });
    expect(timings).toEqual(['append', 'append', 'read']);
    const batch = await store.read('s', { offset: '-1' });
    expect(batch.messages).toHaveLength(8);
    expect((await store.head('s'))?.closed).toBe(false);
    await store.close('s');
    expect((await store.head('s'))?.closed).toBe(true);
    await store.dispose();
  });

  test('does not time waiting reads', async () => {
    const timings: string[] = [];
    const store = new InstrumentedStreamStore(
      new MemoryStreamStore(),
      { storeOperation: (operation) => timings.push(operation) },
      { sampleEvery: 1 },
    );
    await store.create('s', { contentType: 'application/json' });
    const waiting = store.read('s', { offset: '-1', wait: true });
    await store.append('s', [Buffer.from('{}')]);
    expect((await waiting).messages).toHaveLength(1);
    expect(timings).toEqual(['append']);
    await store.dispose();
  });
});
