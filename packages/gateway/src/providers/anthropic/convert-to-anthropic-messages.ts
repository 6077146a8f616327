/**
 * Sluice chat messages to the Messages API: system messages move to the top-level `system`
 * field (joined by blank lines, in order), the rest keep their order. Anthropic merges
 * consecutive turns of the same role itself, so no merging happens here.
 */
import type { ChatMessage } from '../language-model.ts';
import type { AnthropicMessage } from './anthropic-api-types.ts';

export interface AnthropicPrompt {
  system: string | undefined;
  messages: AnthropicMessage[];
}

export function convertToAnthropicMessages(messages: readonly ChatMessage[]): AnthropicPrompt {
  const system: string[] = [];
  const converted: AnthropicMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system') system.push(message.content);
    else converted.push({ role: message.role, content: message.content });
  }
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages: converted };
}
