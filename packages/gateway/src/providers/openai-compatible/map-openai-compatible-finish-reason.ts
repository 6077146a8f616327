/**
 * Chat Completions `finish_reason` to a Sluice finish reason. Tool calls are not relayed yet,
 * so a turn that ended to call a tool is, for us, a normal stop.
 */
import type { ProviderFinishReason } from '../language-model.ts';

export function mapOpenAICompatibleFinishReason(
  finishReason: string | null | undefined,
): ProviderFinishReason {
  switch (finishReason) {
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'error';
  }
}
