import { describe, expect, it } from 'vitest';
import {
  chatCompletionFromGeneration,
  type FinishedGeneration,
} from './chat-completion-response.ts';

const generation: FinishedGeneration = {
  id: 'gen_1',
  model: 'gpt-x',
  text: '',
  reasoning: '',
  toolCalls: [],
  finishReason: 'stop',
  usage: { inputTokens: 5, outputTokens: 3 },
};

describe('chatCompletionFromGeneration', () => {
  it('answers text as OpenAI does', () => {
    expect(chatCompletionFromGeneration({ ...generation, text: 'Hi' }, 1_700_000_000)).toEqual({
      id: 'chatcmpl-gen_1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-x',
      system_fingerprint: null,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Hi', refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
  });

  it('answers tool calls with null content, reasoning and usage details', () => {
    const completion = chatCompletionFromGeneration(
      {
        ...generation,
        reasoning: 'Need the weather.',
        toolCalls: [
          { toolCallId: 'call_1', toolName: 'get_weather', arguments: '{"city":"Paris"}' },
          { toolCallId: 'call_2', toolName: 'get_time', arguments: '{}' },
        ],
        finishReason: 'tool-calls',
        usage: { inputTokens: 5, outputTokens: 3, reasoningTokens: 2, cachedInputTokens: 4 },
      },
      1,
    );
    expect(completion.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
          { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
        ],
        reasoning_content: 'Need the weather.',
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(completion.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: 3,
      total_tokens: 8,
      prompt_tokens_details: { cached_tokens: 4 },
      completion_tokens_details: { reasoning_tokens: 2 },
    });
  });

  it('keeps the text next to tool calls when there was some', () => {
    const completion = chatCompletionFromGeneration(
      {
        ...generation,
        text: 'Let me check.',
        toolCalls: [{ toolCallId: 'c', toolName: 'f', arguments: '{}' }],
        finishReason: 'tool-calls',
      },
      1,
    );
    expect(completion.choices[0]?.message.content).toBe('Let me check.');
  });
});
