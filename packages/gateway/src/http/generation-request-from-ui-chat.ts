/**
 * `useChat`'s UI messages as native (protocol v2) messages, the way the AI SDK's own
 * `convertToModelMessages` reads them: system and user text; user files (images as image
 * content, other files as file content); each assistant step (parts between `step-start`
 * boundaries) as one assistant message — its text and the tool calls that have an outcome
 * — followed by one tool message per outcome. What only the UI needs is not sent: reasoning
 * of past turns (providers do not take it back), sources, `data-*` parts (Sluice's own
 * included), files the model produced, and calls still waiting for their result (providers
 * refuse a call without one).
 */
import type {
  AssistantMessage,
  ChatMessage,
  ContentPart,
  ToolCall,
  ToolMessage,
} from '@sluice/protocol';
import type { GenerationRequest } from '../generation/generation.ts';
import { HttpError } from './http-error.ts';
import { parseDataUrl } from './request-parts.ts';
import { compact, toSimulatorOptions } from './request-schemas.ts';
import type {
  UiChatRequest,
  UiMessage,
  UiMessagePart,
  UiToolPartState,
} from './ui-message-schemas.ts';

export const AI_CHAT_ROUTE = '/v1/chat';

interface ToolPart {
  type: string;
  toolName?: string;
  toolCallId: string;
  state: UiToolPartState;
  input?: unknown;
  output?: unknown;
  errorText?: string;
}

const OUTCOME_STATES: ReadonlySet<UiToolPartState> = new Set([
  'output-available',
  'output-error',
  'output-denied',
]);

function isToolPart(part: UiMessagePart): part is ToolPart {
  return part.type === 'dynamic-tool' || part.type.startsWith('tool-');
}

function textOf(parts: readonly UiMessagePart[]): string {
  let text = '';
  for (const part of parts) if (part.type === 'text') text += (part as { text: string }).text;
  return text;
}

function userContent(parts: readonly UiMessagePart[]): ContentPart[] {
  const content: ContentPart[] = [];
  for (const part of parts) {
    if (part.type === 'text') {
      content.push({ type: 'text', text: (part as { text: string }).text });
    } else if (part.type === 'file') {
      const file = part as { mediaType: string; url: string; filename?: string };
      const data = parseDataUrl(file.url);
      if (file.mediaType.startsWith('image/')) {
        content.push(
          data === undefined
            ? { type: 'image', url: file.url }
            : { type: 'image', data: data.data, mediaType: file.mediaType },
        );
      } else if (data !== undefined) {
        content.push({
          type: 'file',
          data: data.data,
          mediaType: file.mediaType,
          ...(file.filename === undefined ? {} : { filename: file.filename }),
        });
      }
    }
  }
  return content;
}

function toolResult(part: ToolPart): ToolMessage {
  let content: string;
  if (part.state === 'output-available') {
    content = typeof part.output === 'string' ? part.output : JSON.stringify(part.output ?? null);
  } else if (part.state === 'output-error') {
    content = part.errorText ?? 'The tool call failed.';
  } else {
    content = 'The tool call was denied.';
  }
  return { role: 'tool', toolCallId: part.toolCallId, content };
}

/** One assistant UI message: a message per step, each followed by its tool results. */
function assistantMessages(parts: readonly UiMessagePart[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  let text = '';
  let calls: ToolCall[] = [];
  let results: ToolMessage[] = [];
  const flush = () => {
    if (text !== '' || calls.length > 0) {
      const message: AssistantMessage = { role: 'assistant', content: text };
      if (calls.length > 0) message.toolCalls = calls;
      messages.push(message, ...results);
    }
    text = '';
    calls = [];
    results = [];
  };
  for (const part of parts) {
    if (part.type === 'step-start') flush();
    else if (part.type === 'text') text += (part as { text: string }).text;
    else if (isToolPart(part) && OUTCOME_STATES.has(part.state)) {
      calls.push({
        toolCallId: part.toolCallId,
        toolName: part.toolName ?? part.type.slice('tool-'.length),
        arguments: JSON.stringify(part.input ?? {}),
      });
      results.push(toolResult(part));
    }
  }
  flush();
  return messages;
}

export function nativeMessagesFromUi(messages: readonly UiMessage[]): ChatMessage[] {
  const native: ChatMessage[] = [];
  for (const message of messages) {
    const parts = message.parts as UiMessagePart[];
    if (message.role === 'system') {
      const text = textOf(parts);
      if (text !== '') native.push({ role: 'system', content: text });
    } else if (message.role === 'user') {
      const content = userContent(parts);
      if (content.length > 0) native.push({ role: 'user', content });
    } else {
      native.push(...assistantMessages(parts));
    }
  }
  return native;
}

/**
 * The generation a `useChat` request starts: filed under the chat's id as its session (so
 * any node finds the chat's generations), kept running when the client goes away (the SDK
 * resumes), on the body's model or `defaultModel`.
 */
export function generationRequestFromUiChat(
  body: UiChatRequest,
  defaultModel: string,
): GenerationRequest {
  const messages = nativeMessagesFromUi(body.messages);
  if (messages.length === 0) {
    throw new HttpError(
      'SLUICE_ERR_INVALID_REQUEST',
      'messages: no message has content a model can read',
    );
  }
  const {
    id,
    messages: _messages,
    trigger: _trigger,
    messageId: _messageId,
    model,
    simulator,
    ...options
  } = body;
  const request: GenerationRequest = {
    ...(compact(options) as Partial<GenerationRequest>),
    model: model ?? defaultModel,
    messages,
    sessionId: id,
    onDisconnect: 'continue',
    route: AI_CHAT_ROUTE,
  };
  const simulatorOptions = toSimulatorOptions(simulator);
  if (simulatorOptions) request.simulator = simulatorOptions;
  return request;
}
