import { describe, expect, it } from 'vitest';
import { openAiFieldPath } from './openai-field-path.ts';

describe('openAiFieldPath', () => {
  it.each([
    ['responseFormat', 'response_format'],
    ['responseFormat.description', 'response_format.json_schema.description'],
    ['toolChoice', 'tool_choice'],
    ['toolChoice.toolName', 'tool_choice.function.name'],
    ['topP', 'top_p'],
    ['reasoning', 'reasoning_effort'],
    ['reasoning.effort', 'reasoning_effort'],
    ['maxTokens', 'max_completion_tokens'],
    ['temperature', 'temperature'],
    ['seed', 'seed'],
    ['stop', 'stop'],
    ['tools', 'tools'],
    ['tools.1', 'tools.1'],
    ['tools.1.strict', 'tools.1.function.strict'],
    ['messages.2', 'messages.2'],
    ['messages.2.content', 'messages.2.content'],
    ['messages.2.content.0', 'messages.2.content.0'],
    ['messages.2.content.1.detail', 'messages.2.content.1.image_url.detail'],
    ['messages.2.content.1.url', 'messages.2.content.1.image_url.url'],
    ['messages.2.content.1.data', 'messages.2.content.1'],
    ['messages.3.toolCallId', 'messages.3.tool_call_id'],
    ['messages.1.toolCalls', 'messages.1.tool_calls'],
    ['messages.1.toolCalls.0.arguments', 'messages.1.tool_calls.0.function.arguments'],
    ['messages.1.toolCalls.0.toolName', 'messages.1.tool_calls.0.function.name'],
    ['messages.1.toolCalls.0.toolCallId', 'messages.1.tool_calls.0.id'],
    ['providerOptions.openai-compatible.logit_bias', 'logit_bias'],
  ])('names %s as %s', (sluicePath, openAiPath) => {
    expect(openAiFieldPath(sluicePath)).toBe(openAiPath);
  });

  it('names the max tokens field the caller used', () => {
    expect(openAiFieldPath('maxTokens', 'max_tokens')).toBe('max_tokens');
  });
});
