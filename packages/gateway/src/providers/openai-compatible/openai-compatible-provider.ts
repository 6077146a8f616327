/**
 * Entry point for the `openai-compatible` provider: any server speaking the Chat Completions
 * streaming API.
 */
import {
  OpenAICompatibleChatModel,
  type OpenAICompatibleSettings,
} from './openai-compatible-chat-model.ts';

export function createOpenAICompatible(
  settings: OpenAICompatibleSettings,
): OpenAICompatibleChatModel {
  return new OpenAICompatibleChatModel(settings);
}
