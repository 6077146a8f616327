/**
 * A Sluice conversation to the Messages API. System messages move to the top-level `system`
 * field (their text joined by blank lines, in order). User content becomes text, image and
 * document blocks; an assistant turn's text is followed by a `tool_use` block per tool call
 * (`input` is the parsed arguments object); each tool message becomes a `tool_result` block.
 *
 * Anthropic wants every result of a turn's tool calls in the one user message that follows it,
 * results first, so consecutive user-side messages (tool results, and user messages after
 * them) are merged into a single user turn. Anything that cannot be carried — tool call arguments that are not
 * a JSON object, content the API does not take — is reported at its path, never dropped.
 */
import {
  type AssistantMessage,
  type ChatMessage,
  type ContentPart,
  contentText,
  type ToolMessage,
} from '@sluice/protocol';
import type { UnsupportedOption } from '../language-model.ts';
import type {
  AnthropicAssistantContentBlock,
  AnthropicInputContentBlock,
  AnthropicMessage,
  AnthropicToolResultBlock,
  AnthropicUserContentBlock,
} from './anthropic-api-types.ts';
import { convertContentPart } from './convert-to-anthropic-content.ts';

export interface AnthropicPrompt {
  system: string | undefined;
  messages: AnthropicMessage[];
}

export function convertToAnthropicMessages(
  messages: readonly ChatMessage[],
  unsupported: UnsupportedOption[],
): AnthropicPrompt {
  const system: string[] = [];
  const converted: AnthropicMessage[] = [];
  messages.forEach((message, index) => {
    const path = `messages.${index}`;
    switch (message.role) {
      case 'system':
        system.push(contentText(message.content));
        break;
      case 'user':
        appendUserTurn(converted, inputContent(message.content, path, unsupported));
        break;
      case 'tool':
        appendUserTurn(converted, [toolResult(message, path, unsupported)]);
        break;
      case 'assistant':
        converted.push({
          role: 'assistant',
          content: assistantContent(message, path, unsupported),
        });
        break;
    }
  });
  return { system: system.length === 0 ? undefined : system.join('\n\n'), messages: converted };
}

function inputContent(
  content: string | readonly ContentPart[],
  path: string,
  unsupported: UnsupportedOption[],
): string | AnthropicInputContentBlock[] {
  if (typeof content === 'string') return content;
  const blocks: AnthropicInputContentBlock[] = [];
  content.forEach((part, index) => {
    const block = convertContentPart(part, `${path}.content.${index}`, unsupported);
    if (block !== undefined) blocks.push(block);
  });
  return blocks;
}

function toolResult(
  message: ToolMessage,
  path: string,
  unsupported: UnsupportedOption[],
): AnthropicToolResultBlock {
  return {
    type: 'tool_result',
    tool_use_id: message.toolCallId,
    content: inputContent(message.content, path, unsupported),
  };
}

/** Joins `content` to the previous message when that is a user turn too. */
function appendUserTurn(
  converted: AnthropicMessage[],
  content: string | AnthropicUserContentBlock[],
): void {
  const previous = converted.at(-1);
  if (previous?.role !== 'user') {
    converted.push({ role: 'user', content });
    return;
  }
  previous.content = [...asBlocks(previous.content), ...asBlocks(content)];
}

function asBlocks(content: string | AnthropicUserContentBlock[]): AnthropicUserContentBlock[] {
  if (typeof content !== 'string') return content;
  return content === '' ? [] : [{ type: 'text', text: content }];
}

function assistantContent(
  message: AssistantMessage,
  path: string,
  unsupported: UnsupportedOption[],
): string | AnthropicAssistantContentBlock[] {
  const calls = message.toolCalls ?? [];
  if (calls.length === 0 && typeof message.content === 'string') return message.content;
  const blocks: AnthropicAssistantContentBlock[] = [];
  const text = typeof message.content === 'string' ? [message.content] : message.content;
  for (const part of text) {
    const value = typeof part === 'string' ? part : part.text;
    // The API rejects empty text blocks; a turn that only called tools has none.
    if (value !== '') blocks.push({ type: 'text', text: value });
  }
  calls.forEach((call, index) => {
    const input = parseArgumentsObject(call.arguments);
    if (input === undefined) {
      unsupported.push({
        field: `${path}.toolCalls.${index}.arguments`,
        reason: 'Anthropic needs tool call arguments that are a JSON object',
      });
      return;
    }
    blocks.push({ type: 'tool_use', id: call.toolCallId, name: call.toolName, input });
  });
  return blocks;
}

function parseArgumentsObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  return isObject ? (value as Record<string, unknown>) : undefined;
}
