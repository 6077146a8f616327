/**
 * Chat Completions `finish_reason` to a Sluice finish reason. A turn that ended to call tools
 * (`tool_calls`, or the legacy functions API's `function_call`) is `tool-calls`: the caller
 * has to run them and answer. Unknown values are `error`, so nothing new passes as a clean stop.
 */
import type { ProviderFinishReason } from '../language-model.ts';

export function mapOpenAICompatibleFinishReason(
  finishReason: string | null | undefined,
): ProviderFinishReason {
  switch (finishReason) {
    case 'stop':
      return 'stop';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'error';
  }
}
