/**
 * Entry point for the `anthropic` provider (Messages API).
 */
import { AnthropicChatModel, type AnthropicSettings } from './anthropic-chat-model.ts';

export function createAnthropic(settings: AnthropicSettings): AnthropicChatModel {
  return new AnthropicChatModel(settings);
}
