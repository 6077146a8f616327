import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../providers/language-model.ts';
import { CombinedUsage } from './combined-usage.ts';

// 12 characters of text and 14 of a tool call: 7 tokens at four characters each.
const messages: ChatMessage[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Weather in ' },
      { type: 'image', data: 'iVBORw0KGgo=', mediaType: 'image/png' },
      { type: 'text', text: '?' },
    ],
  },
  {
    role: 'assistant',
    content: '',
    toolCalls: [{ toolCallId: 'call_1', toolName: 'weather', arguments: '{"a":1}' }],
  },
];

describe('CombinedUsage', () => {
  it('passes a single model’s usage through, optional fields included', () => {
    const reported = { inputTokens: 5, outputTokens: 3, reasoningTokens: 2, cachedInputTokens: 4 };
    expect(new CombinedUsage().finish(reported, { output: 9, reasoning: 9 }, messages)).toBe(
      reported,
    );
  });

  it('adds a failed model’s deltas and prompt estimate to what the finishing model reported', () => {
    const usage = new CombinedUsage();
    usage.addFailedSegment({ output: 6, reasoning: 4 }, messages);
    expect(
      usage.finish(
        { inputTokens: 20, outputTokens: 10, reasoningTokens: 3, cachedInputTokens: 16 },
        { output: 8, reasoning: 2 },
        messages,
      ),
    ).toEqual({
      inputTokens: 7 + 20,
      outputTokens: 6 + 10,
      reasoningTokens: 4 + 3,
      cachedInputTokens: 16,
    });
  });

  it('counts the finishing model’s deltas when it reported nothing', () => {
    const usage = new CombinedUsage();
    usage.addFailedSegment({ output: 2, reasoning: 0 }, messages);
    expect(
      usage.finish(
        { inputTokens: undefined, outputTokens: undefined },
        { output: 5, reasoning: 1 },
        messages,
      ),
    ).toEqual({ inputTokens: 14, outputTokens: 7, reasoningTokens: 1 });
  });

  it('leaves reasoning out when no model reasoned', () => {
    const usage = new CombinedUsage();
    usage.addFailedSegment({ output: 2, reasoning: 0 }, messages);
    expect(
      usage.finish({ inputTokens: 1, outputTokens: 1 }, { output: 1, reasoning: 0 }, messages),
    ).toEqual({ inputTokens: 8, outputTokens: 3 });
  });
});
