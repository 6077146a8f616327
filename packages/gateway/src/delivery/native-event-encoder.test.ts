import { encodeGenerationEvent, type GenerationEvent } from '@sluice/protocol';
import { expect, test } from 'vitest';
import type { ReadBatch } from '../store/stream-store.ts';
import { nativeEventEncoder } from './native-event-encoder.ts';

function batchOf(texts: string[]): ReadBatch {
  return {
    messages: texts.map((text, index) => ({ offset: `0_${index + 1}`, data: Buffer.from(text) })),
    nextOffset: `0_${texts.length}`,
    upToDate: true,
    closed: false,
  };
}

test('each event is one frame: the offset after it, its type, and the stored JSON unchanged', () => {
  const events: GenerationEvent[] = [
    { type: 'response-start', id: 'gen_1', model: 'm', provider: 'p', createdAt: 'now' },
    { type: 'text-delta', delta: 'H\u00e9llo "\\" \u2028' },
    { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
  ];
  const stored = events.map(encodeGenerationEvent);
  expect(nativeEventEncoder.encode(batchOf(stored))).toEqual([
    { id: '0_1', event: 'response-start', data: stored[0] },
    { id: '0_2', event: 'text-delta', data: stored[1] },
    { id: '0_3', event: 'tool-call-delta', data: stored[2] },
  ]);
});

test('an event in another layout keeps its bytes; only its type is parsed', () => {
  const foreign = '{ "delta": "a", "type": "text-delta" }';
  expect(nativeEventEncoder.encode(batchOf([foreign]))).toEqual([
    { id: '0_1', event: 'text-delta', data: foreign },
  ]);
});
