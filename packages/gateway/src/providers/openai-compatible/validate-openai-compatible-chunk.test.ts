import { describe, expect, it } from 'vitest';
import {
  type OpenAICompatibleChunk,
  openAICompatibleChunkSchema,
} from './openai-compatible-api-types.ts';
import { validateOpenAICompatibleChunk } from './validate-openai-compatible-chunk.ts';

/** What the provider reads from a chunk (zod strips other keys, the fast path keeps them). */
function readFields(chunk: OpenAICompatibleChunk) {
  return {
    id: chunk.id,
    model: chunk.model,
    choices: chunk.choices?.map((choice) => ({
      index: choice.index,
      content: choice.delta?.content,
      finishReason: choice.finish_reason,
    })),
    usage: chunk.usage && {
      prompt: chunk.usage.prompt_tokens,
      completion: chunk.usage.completion_tokens,
    },
  };
}

const accepted = [
  { id: 'c1', model: 'm', choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] },
  { choices: [{ delta: { role: 'assistant' } }] },
  { choices: null, usage: { prompt_tokens: 3, completion_tokens: 5 } },
  { choices: [], usage: null, extra: { anything: true } },
  { id: null, model: null, choices: [{ index: null, delta: null, finish_reason: 'stop' }] },
  {},
];

const rejected = [
  null,
  [],
  'text',
  { id: 7 },
  { choices: {} },
  { choices: [null] },
  { choices: [{ delta: { content: 5 } }] },
  { choices: [{ delta: [] }] },
  { choices: [{ index: '0' }] },
  { usage: { prompt_tokens: '3' } },
  { usage: [] },
];

describe('validateOpenAICompatibleChunk', () => {
  it('accepts exactly what the zod schema accepts, with the fields the provider reads', () => {
    for (const chunk of accepted) {
      expect(openAICompatibleChunkSchema.safeParse(chunk).success).toBe(true);
      expect(readFields(validateOpenAICompatibleChunk(chunk))).toEqual(
        readFields(openAICompatibleChunkSchema.parse(chunk)),
      );
    }
  });

  it('rejects what the zod schema rejects, as a malformed chunk', () => {
    for (const chunk of rejected) {
      expect(openAICompatibleChunkSchema.safeParse(chunk).success).toBe(false);
      expect(() => validateOpenAICompatibleChunk(chunk)).toThrow(/malformed|shape|expected/i);
    }
  });
});
