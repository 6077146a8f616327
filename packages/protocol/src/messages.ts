/**
 * The request side of protocol v2: conversation messages with multimodal content parts,
 * tool definitions and calls, and the output options a caller may set. The native API
 * (`POST /v1/generations`) takes these shapes as they are; the OpenAI-compatible route
 * translates to them. Providers translate them to their own wire formats.
 */

export interface TextPart {
  type: 'text';
  text: string;
}

/** An image by URL (`https:` or a `data:` URL) or by base64 `data` with its media type. */
export type ImagePart =
  | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'image'; data: string; mediaType: string; detail?: 'auto' | 'low' | 'high' };

/** A file (e.g. a PDF) as base64 `data`. */
export interface FilePart {
  type: 'file';
  data: string;
  mediaType: string;
  filename?: string;
}

export type ContentPart = TextPart | ImagePart | FilePart;

/** A tool call the model made: `arguments` is the JSON arguments string as the model wrote it. */
export interface ToolCall {
  toolCallId: string;
  toolName: string;
  arguments: string;
}

export interface SystemMessage {
  role: 'system';
  content: string | TextPart[];
}

export interface UserMessage {
  role: 'user';
  content: string | ContentPart[];
}

export interface AssistantMessage {
  role: 'assistant';
  /** May be empty when the turn only called tools. */
  content: string | TextPart[];
  toolCalls?: ToolCall[];
}

/** The result of a tool call, answering the assistant's call with the same `toolCallId`. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  content: string | ContentPart[];
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;
export type ChatRole = ChatMessage['role'];

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema (an object schema) of the arguments. */
  parameters: Record<string, unknown>;
  /** Ask the provider to enforce the schema exactly (OpenAI `strict`), where supported. */
  strict?: boolean;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { toolName: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean;
    };

export const REASONING_EFFORTS = ['minimal', 'low', 'medium', 'high'] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

export interface ReasoningOptions {
  effort: ReasoningEffort;
}

/** Provider-specific request fields, keyed by provider kind, passed upstream verbatim. */
export type ProviderOptions = Record<string, Record<string, unknown>>;

/** The text of a message's content: a string as is, text parts joined, other parts skipped. */
export function contentText(content: string | readonly ContentPart[]): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += part.text;
  return text;
}

/** Characters of a message that count towards a rough token estimate (text and tool calls). */
export function messageCharacters(message: ChatMessage): number {
  let characters = contentText(message.content).length;
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) {
      characters += call.toolName.length + call.arguments.length;
    }
  }
  return characters;
}
