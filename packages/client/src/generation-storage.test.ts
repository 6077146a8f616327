import { describe, expect, test } from 'vitest';
import { retryPolicy } from './backoff.ts';
import { Generation } from './generation.ts';
import {
  forgetGeneration,
  recallGeneration,
  rememberGeneration,
  type StorageLike,
} from './generation-storage.ts';
import { approvedLog, MockEventTransport } from './mock-event-transport.ts';

class MapStorage implements StorageLike {
  readonly values = new Map<string, string>();
  readonly writes: string[] = [];
  getItem(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.writes.push(value);
    this.values.set(key, value);
  }
  removeItem(key: string): void {
    this.values.delete(key);
  }
}

function generation(plan: ConstructorParameters<typeof MockEventTransport>[1]) {
  return new Generation({
    start: async () => 'gen_1',
    cancel: async () => {},
    transport: new MockEventTransport(approvedLog(['a', 'b']), plan),
    retry: retryPolicy({ maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 1 }),
    offset: '-1',
  });
}

describe('generation storage', () => {
  test('remembers the offset while reading and forgets it when the log closes', async () => {
    const storage = new MapStorage();
    const reading = generation([]);
    rememberGeneration(reading, storage, 'chat');
    await reading.result;
    expect(JSON.parse(storage.writes.at(-1) ?? '')).toEqual({
      id: 'gen_1',
      offset: '0000000000000000_0000000000000005',
    });
    expect(recallGeneration(storage, 'chat')).toBeUndefined();
  });

  test('a failed read keeps the last offset for a later resume', async () => {
    const storage = new MapStorage();
    const reading = generation([{ deliver: 2, end: 'drop' }]);
    rememberGeneration(reading, storage, 'chat');
    await expect(reading.result).rejects.toMatchObject({ code: 'SLUICE_CLIENT_RETRIES_EXHAUSTED' });
    expect(recallGeneration(storage, 'chat')).toEqual({
      id: 'gen_1',
      offset: '0000000000000000_0000000000000002',
    });
    forgetGeneration(storage, 'chat');
    expect(recallGeneration(storage, 'chat')).toBeUndefined();
  });

  test('foreign or broken entries read as nothing', () => {
    const storage = new MapStorage();
    storage.setItem('chat', 'not json');
    expect(recallGeneration(storage, 'chat')).toBeUndefined();
    storage.setItem('chat', JSON.stringify({ id: 1, offset: 'x' }));
    expect(recallGeneration(storage, 'chat')).toBeUndefined();
  });
});
