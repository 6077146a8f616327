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
      reasoningContent: choice.delta?.reasoning_content,
      reasoning: choice.delta?.reasoning,
      toolCalls: choice.delta?.tool_calls?.map((call) => ({
        index: call.index,
        id: call.id,
        name: call.function?.name,
        arguments: call.function?.arguments,
      })),
      finishReason: choice.finish_reason,
    })),
    usage: chunk.usage && {
      prompt: chunk.usage.prompt_tokens,
      completion: chunk.usage.completion_tokens,
      cached: chunk.usage.prompt_tokens_details?.cached_tokens,
      reasoning: chunk.usage.completion_tokens_details?.reasoning_tokens,
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
  {
    choices: [
      {
        delta: {
          content: null,
          tool_calls: [
            { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
            { index: 1, function: { arguments: '{"a":1}' } },
            { function: null },
            {},
          ],
        },
      },
    ],
  },
  { choices: [{ delta: { tool_calls: null, reasoning_content: 'Hm', reasoning: null } }] },
  { choices: [{ delta: { reasoning: 'Hm' } }] },
  {
    usage: {
      prompt_tokens: 3,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 2, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 4 },
    },
  },
  { usage: { prompt_tokens_details: null, completion_tokens_details: {} } },
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
  { choices: [{ delta: { reasoning_content: 1 } }] },
  { choices: [{ delta: { reasoning: { text: 'Hm' } } }] },
  { choices: [{ delta: { tool_calls: {} } }] },
  { choices: [{ delta: { tool_calls: [null] } }] },
  { choices: [{ delta: { tool_calls: [{ index: '0' }] } }] },
  { choices: [{ delta: { tool_calls: [{ id: 7 }] } }] },
  { choices: [{ delta: { tool_calls: [{ function: [] }] } }] },
  { choices: [{ delta: { tool_calls: [{ function: { name: 1 } }] } }] },
  { choices: [{ delta: { tool_calls: [{ function: { arguments: { a: 1 } } }] } }] },
  { usage: { prompt_tokens_details: { cached_tokens: '2' } } },
  { usage: { completion_tokens_details: [] } },
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

  it('accepts these shapes on the hand-written path, without zod (the chunk comes back as is)', () => {
    for (const chunk of accepted) expect(validateOpenAICompatibleChunk(chunk)).toBe(chunk);
  });

  it('rejects what the zod schema rejects, as a malformed chunk', () => {
    for (const chunk of rejected) {
      expect(openAICompatibleChunkSchema.safeParse(chunk).success).toBe(false);
      expect(() => validateOpenAICompatibleChunk(chunk)).toThrow(/malformed|shape|expected/i);
    }
  });
});
