/**
 * Anthropic `stop_reason` to a Sluice finish reason. Tool use and paused server-tool turns
 * end the relayed text normally; running out of room (output or context window) is `length`.
 */
import type { ProviderFinishReason } from '../language-model.ts';

export function mapAnthropicFinishReason(
  stopReason: string | null | undefined,
): ProviderFinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'tool_use':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content-filter';
    default:
      return 'error';
  }
}
