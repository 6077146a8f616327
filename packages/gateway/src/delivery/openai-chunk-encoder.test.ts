import type { GenerationEvent } from '@sluice/protocol';
import { describe, expect, it } from 'vitest';
import type { StoredMessage } from '../store/stream-store.ts';
import { OpenAiChunkEncoder } from './openai-chunk-encoder.ts';

const options = {
  generationId: 'gen_"odd"\\id',
  model: 'm\u00e9 "quoted"',
  created: 1_700_000_000,
  includeUsage: true,
};

function stored(event: GenerationEvent, index: number): StoredMessage {
  return { offset: String(index).padStart(8, '0'), data: Buffer.from(JSON.stringify(event)) };
}

const deltas = ['Hello', ' wörld', ' "quoted"\n', '\\', '\u2028', '😀', '</script>', '\t\u0000'];

describe('OpenAiChunkEncoder.encodeBatch', () => {
  it('gives text deltas the same bytes as encoding the parsed event', () => {
    const events: GenerationEvent[] = [
      { type: 'response-start', id: 'g', model: 'm', provider: 'p', createdAt: 'now' },
      ...deltas.map((delta): GenerationEvent => ({ type: 'text-delta', delta })),
      {
        type: 'response-finish',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 2 },
        timings: { timeToFirstTokenMs: 1, durationMs: 2 },
      },
    ];
    const reference = new OpenAiChunkEncoder(options);
    const expected = events.map((event) => reference.encode(event)).join('');
    const batch = new OpenAiChunkEncoder(options).encodeBatch(events.map(stored));
    expect(batch).toBe(expected);
    const contents = batch
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: {'))
      .map((frame) => JSON.parse(frame.slice('data: '.length)))
      .flatMap((chunk) =>
        chunk.choices.map((choice: { delta: { content?: string } }) => choice.delta.content),
      )
      .filter((content) => content !== undefined && content !== '');
    expect(contents).toEqual(deltas);
  });
});
