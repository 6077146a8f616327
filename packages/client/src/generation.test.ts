import type { GenerationEvent } from '@sluice/protocol';
import { describe, expect, test } from 'vitest';
import { retryPolicy } from './backoff.ts';
import { Generation } from './generation.ts';
import { approvedLog, type ConnectionStep, MockEventTransport } from './mock-event-transport.ts';

const retry = retryPolicy({ maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 });

function handle(plan: ConnectionStep[] = [], events = approvedLog(['a', 'b', 'c'])) {
  const cancelled: string[] = [];
  const transport = new MockEventTransport(events, plan);
  const generation = new Generation({
    start: async () => 'gen_1',
    cancel: async (id) => cancelled.push(id),
    transport,
    retry,
    offset: '-1',
  });
  return { generation, transport, cancelled };
}

describe('Generation', () => {
  test('iterators, listeners and result each see every event once', async () => {
    const { generation } = handle([{ deliver: 2, end: 'drop' }]);
    const listened: string[] = [];
    const texts: string[] = [];
    let reconnects = 0;
    generation.on('event', (event) => listened.push(event.type));
    generation.on('text', (delta) => texts.push(delta));
    generation.on('reconnect', () => {
      reconnects += 1;
    });
    const finals: string[] = [];
    generation.on('response-final', (event) => finals.push(event.verdict));

    const first: GenerationEvent[] = [];
    for await (const event of generation) first.push(event);
    // A later iterator still starts from the first event.
    const second: GenerationEvent[] = [];
    for await (const event of generation) second.push(event);

    expect(first.map((event) => event.type)).toEqual(listened);
    expect(second).toEqual(first);
    expect(texts.join('')).toBe('abc');
    expect(finals).toEqual(['approved']);
    expect(reconnects).toBe(1);
    expect(await generation.id).toBe('gen_1');
    const result = await generation.result;
    expect(result).toMatchObject({ id: 'gen_1', text: 'abc', verdict: 'approved' });
    expect(generation.offset).toBe('0000000000000000_0000000000000006');
    expect(generation.finished).toBe(true);
  });

  test('a listener that throws does not stop delivery', async () => {
    const { generation } = handle();
    const reported: unknown[] = [];
    const original = globalThis.reportError;
    globalThis.reportError = (error: unknown) => reported.push(error);
    try {
      generation.on('text-delta', () => {
        throw new Error('listener bug');
      });
      expect((await generation.result).text).toBe('abc');
    } finally {
      globalThis.reportError = original;
    }
    expect(reported).toHaveLength(3);
  });

  test('cancel posts the id; detach rejects reading with SLUICE_CLIENT_ABORTED', async () => {
    const { generation, cancelled } = handle([{ deliver: 1, end: 'drop' }]);
    await generation.cancel();
    expect(cancelled).toEqual(['gen_1']);
    generation.detach();
    await expect(generation.result).rejects.toMatchObject({ code: 'SLUICE_CLIENT_ABORTED' });
    await expect(
      (async () => {
        for await (const _event of generation) {
          // drain
        }
      })(),
    ).rejects.toMatchObject({ code: 'SLUICE_CLIENT_ABORTED', generationId: 'gen_1' });
  });

  test('a start that fails rejects id, result and the iterator alike', async () => {
    const generation = new Generation({
      start: () => Promise.reject(new Error('refused')),
      cancel: async () => {},
      transport: new MockEventTransport([]),
      retry,
      offset: '-1',
    });
    await expect(generation.id).rejects.toThrow('refused');
    await expect(generation.result).rejects.toMatchObject({ code: 'SLUICE_CLIENT_PROTOCOL' });
  });
});
