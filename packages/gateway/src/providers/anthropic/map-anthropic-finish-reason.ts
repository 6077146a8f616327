/**
 * Anthropic `stop_reason` to a Sluice finish reason. `tool_use` means the turn ended to let the
 * caller run the tools it called (`tool-calls`); a paused server-tool turn ends the relayed
 * answer normally; running out of room (output or context window) is `length`.
 */
import type { ProviderFinishReason } from '../language-model.ts';

export function mapAnthropicFinishReason(
  stopReason: string | null | undefined,
): ProviderFinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'tool_use':
      return 'tool-calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content-filter';
    default:
      return 'error';
  }
}
