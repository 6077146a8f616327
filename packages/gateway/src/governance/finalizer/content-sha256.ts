/**
 * The content hash recorded in `response-final`: hex SHA-256 of the UTF-8 bytes of exactly
 * the text clients received, or — with tool calls — of that hash followed by the calls
 * (`toolCallsDigestInput` in @sluice/protocol), so an auditor can match it against any copy.
 * The producer computes the same value incrementally (`ReleasedContent`); this is the
 * whole-answer form.
 */
import { createHash } from 'node:crypto';
import { type ToolCall, toolCallsDigestInput } from '@sluice/protocol';

export function contentSha256(text: string, toolCalls: readonly ToolCall[] = []): string {
  const textSha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  if (toolCalls.length === 0) return textSha256;
  return createHash('sha256')
    .update(toolCallsDigestInput(textSha256, toolCalls), 'utf8')
    .digest('hex');
}
