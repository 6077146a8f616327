import { describe, expect, test } from 'vitest';
import { createDeferred, type Deferred } from '../../providers/shared/deferred.ts';
import { MemoryStreamStore } from '../../store/memory-stream-store.ts';
import { CoalescingAppender } from './coalescing-appender.ts';

const encoder = new TextEncoder();
const message = (text: string) => encoder.encode(JSON.stringify({ text }));

/** A real memory store whose appends wait until the test lets each one through. */
function slowStore() {
  const store = new MemoryStreamStore();
  const calls: Array<{ count: number; gate: Deferred<void> }> = [];
  const append = store.append.bind(store);
  store.append = async (path, messages, options) => {
    const gate = createDeferred<void>();
    calls.push({ count: messages.length, gate });
    await gate.promise;
    return append(path, messages, options);
  };
  return { store, calls };
}

async function texts(store: MemoryStreamStore, path: string): Promise<string[]> {
  const batch = await store.read(path, { offset: '-1' });
  return batch.messages.map((stored) => JSON.parse(new TextDecoder().decode(stored.data)).text);
}

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('CoalescingAppender', () => {
  test('what arrives during an append goes out as one batch, in order, nothing lost', async () => {
    const { store, calls } = slowStore();
    await store.create('log', { contentType: 'application/json' });
    const appender = new CoalescingAppender(store, 'log');
    appender.push(message('a'));
    await until(() => calls.length === 1);
    for (const text of ['b', 'c', 'd']) appender.push(message(text));
    expect(calls).toHaveLength(1);
    calls[0]?.gate.resolve();
    await until(() => calls.length === 2);
    expect(calls.map((call) => call.count)).toEqual([1, 3]);
    appender.push(message('e'));
    calls[1]?.gate.resolve();
    await until(() => calls.length === 3);
    calls[2]?.gate.resolve();
    await appender.flush();
    expect(await texts(store, 'log')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect({ appends: appender.appends, appended: appender.appended }).toEqual({
      appends: 3,
      appended: 5,
    });
  });

  test('pushes in the same turn share the first append', async () => {
    const store = new MemoryStreamStore();
    await store.create('log', { contentType: 'application/json' });
    const appender = new CoalescingAppender(store, 'log');
    for (const text of ['x', 'y', 'z']) appender.push(message(text));
    await appender.flush();
    expect(appender.appends).toBe(1);
    expect(await texts(store, 'log')).toEqual(['x', 'y', 'z']);
  });

  test('past the high-water mark push asks the producer to wait', async () => {
    const { store, calls } = slowStore();
    await store.create('log', { contentType: 'application/json' });
    const appender = new CoalescingAppender(store, 'log', { highWaterMarkBytes: 20 });
    expect(appender.push(message('first'))).toBeUndefined();
    await until(() => calls.length === 1);
    expect(appender.push(message('second'))).toBeUndefined();
    const wait = appender.push(message('third'));
    expect(wait).toBeInstanceOf(Promise);
    let waited = false;
    void wait?.then(() => {
      waited = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(waited).toBe(false);
    calls[0]?.gate.resolve();
    await until(() => calls.length === 2);
    calls[1]?.gate.resolve();
    await appender.flush();
    expect(waited).toBe(true);
    expect(await texts(store, 'log')).toEqual(['first', 'second', 'third']);
  });

  test('a failed append is reported by flush and by later pushes', async () => {
    const store = new MemoryStreamStore();
    const appender = new CoalescingAppender(store, 'missing-log');
    appender.push(message('lost'));
    await expect(appender.flush()).rejects.toMatchObject({ name: 'StreamNotFoundError' });
    expect(() => appender.push(message('more'))).toThrow();
  });
});
