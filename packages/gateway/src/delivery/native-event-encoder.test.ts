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

test('a failed read is a response-error frame without an id: resuming loses nothing', () => {
  const outage = {
    code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
    retryable: true,
    message: 'at 10.0.0.7',
  };
  const [frame] = nativeEventEncoder.encodeFailure?.(outage) ?? [];
  expect(frame?.id).toBeUndefined();
  expect(frame?.event).toBe('response-error');
  expect(JSON.parse(frame?.data ?? '{}')).toEqual({
    type: 'response-error',
    code: 'SLUICE_ERR_BACKEND_UNAVAILABLE',
    message: 'A storage backend (Redis or PostgreSQL) is unreachable; try again shortly',
    retryable: true,
  });
  // Anything that is not a Sluice error is an internal one, without its text.
  const [internal] = nativeEventEncoder.encodeFailure?.(new Error('secret detail')) ?? [];
  expect(JSON.parse(internal?.data ?? '{}')).toMatchObject({ code: 'SLUICE_ERR_INTERNAL' });
  expect(internal?.data).not.toContain('secret');
});
