/**
 * Sluice chat messages to Chat Completions messages, in the shapes OpenAI documents: images
 * as `image_url` parts (base64 data becomes a data URL), files as `file` parts with inline
 * `file_data`, assistant tool calls as `tool_calls`, tool results as `tool` messages. Only
 * what a message carries is copied, so nothing extra a caller attached travels upstream.
 *
 * Chat Completions tool messages take text only; `unsupportedMessageContent` names any other
 * part so the gateway refuses the request instead of this file dropping the part.
 */
import { type ContentPart, contentText, type TextPart, type ToolCall } from '@sluice/protocol';
import type { ChatMessage, UnsupportedOption } from '../language-model.ts';
import type {
  OpenAICompatibleContentPart,
  OpenAICompatibleMessage,
  OpenAICompatibleTextPart,
  OpenAICompatibleToolCall,
} from './openai-compatible-api-types.ts';

export function convertToOpenAICompatibleMessages(
  messages: readonly ChatMessage[],
): OpenAICompatibleMessage[] {
  return messages.map(convertMessage);
}

/** The content parts of `messages` that Chat Completions cannot carry (tool-message media). */
export function unsupportedMessageContent(messages: readonly ChatMessage[]): UnsupportedOption[] {
  const unsupported: UnsupportedOption[] = [];
  messages.forEach((message, messageIndex) => {
    if (message.role !== 'tool' || typeof message.content === 'string') return;
    message.content.forEach((part, partIndex) => {
      if (part.type === 'text') return;
      unsupported.push({
        field: `messages.${messageIndex}.content.${partIndex}`,
        reason: `Chat Completions tool messages carry text only, not ${part.type} parts`,
      });
    });
  });
  return unsupported;
}

function convertMessage(message: ChatMessage): OpenAICompatibleMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: convertTextContent(message.content) };
    case 'user':
      return { role: 'user', content: convertContent(message.content) };
    case 'assistant': {
      const toolCalls = message.toolCalls ?? [];
      if (toolCalls.length === 0) {
        return { role: 'assistant', content: convertTextContent(message.content) };
      }
      // OpenAI's own transcripts carry `content: null` on a turn that only called tools.
      const empty = contentText(message.content) === '';
      return {
        role: 'assistant',
        content: empty ? null : convertTextContent(message.content),
        tool_calls: toolCalls.map(convertToolCall),
      };
    }
    case 'tool':
      return {
        role: 'tool',
        tool_call_id: message.toolCallId,
        content: convertContent(message.content),
      };
  }
}

function convertContent(content: string | readonly ContentPart[]) {
  return typeof content === 'string' ? content : content.map(convertPart);
}

/** System and assistant content: text parts only. */
function convertTextContent(content: string | readonly TextPart[]) {
  return typeof content === 'string'
    ? content
    : content.map((part): OpenAICompatibleTextPart => ({ type: 'text', text: part.text }));
}

function convertPart(part: ContentPart): OpenAICompatibleContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image': {
      const url = 'url' in part ? part.url : dataUrl(part.mediaType, part.data);
      return {
        type: 'image_url',
        image_url: part.detail === undefined ? { url } : { url, detail: part.detail },
      };
    }
    case 'file': {
      const fileData = dataUrl(part.mediaType, part.data);
      return {
        type: 'file',
        file:
          part.filename === undefined
            ? { file_data: fileData }
            : { file_data: fileData, filename: part.filename },
      };
    }
  }
}

function convertToolCall(call: ToolCall): OpenAICompatibleToolCall {
  return {
    id: call.toolCallId,
    type: 'function',
    function: { name: call.toolName, arguments: call.arguments },
  };
}

function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
