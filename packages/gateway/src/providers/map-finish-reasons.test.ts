import { describe, expect, it } from 'vitest';
import { mapAnthropicFinishReason } from './anthropic/map-anthropic-finish-reason.ts';
import { mapOpenAICompatibleFinishReason } from './openai-compatible/map-openai-compatible-finish-reason.ts';

describe('finish reason mapping', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['content_filter', 'content-filter'],
    ['tool_calls', 'tool-calls'],
    ['function_call', 'tool-calls'],
    ['something_new', 'error'],
    [null, 'error'],
    [undefined, 'error'],
  ] as const)('openai-compatible %s → %s', (upstream, expected) => {
    expect(mapOpenAICompatibleFinishReason(upstream)).toBe(expected);
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['tool_use', 'tool-calls'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['refusal', 'content-filter'],
    ['something_new', 'error'],
    [null, 'error'],
  ] as const)('anthropic %s → %s', (upstream, expected) => {
    expect(mapAnthropicFinishReason(upstream)).toBe(expected);
  });
});
