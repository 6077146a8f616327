/**
 * Sluice chat messages to Chat Completions messages. The roles line up one to one, so this is
 * a copy that drops anything extra a caller may have attached to a message object.
 */
import type { ChatMessage } from '../language-model.ts';
import type { OpenAICompatibleMessage } from './openai-compatible-api-types.ts';

export function convertToOpenAICompatibleMessages(
  messages: readonly ChatMessage[],
): OpenAICompatibleMessage[] {
  return messages.map(({ role, content }) => ({ role, content }));
}
