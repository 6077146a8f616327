/**
 * OpenAI Chat Completions messages as `/v1/chat/completions` accepts them, and their
 * translation to protocol messages: `developer` becomes `system`, `image_url` parts become
 * image parts (a data URL split into data and media type), `file_data` becomes a file part,
 * assistant `tool_calls` become `toolCalls`, tool messages keep their `tool_call_id`.
 * Audio input and uploaded-file references cannot be carried and are refused.
 */
import type {
  ChatMessage,
  ContentPart,
  FilePart,
  ImagePart,
  TextPart,
  ToolCall,
} from '@sluice/protocol';
import { z } from 'zod';
import { imageUrlSchema, parseDataUrl, toolNameSchema } from '../request-parts.ts';
import { objectOfKnownKeys, refuseField } from './unsupported-field.ts';

const MAX_TOOL_CALLS = 128;

const textPartSchema = objectOfKnownKeys({ type: z.literal('text'), text: z.string() });

const imageUrlPartSchema = objectOfKnownKeys({
  type: z.literal('image_url'),
  image_url: objectOfKnownKeys({
    url: imageUrlSchema,
    detail: z.enum(['auto', 'low', 'high']).nullish(),
  }),
});

const filePartSchema = objectOfKnownKeys({
  type: z.literal('file'),
  file: objectOfKnownKeys({
    file_data: z.string().nullish(),
    file_id: z.string().nullish(),
    filename: z.string().min(1).max(255).nullish(),
  }).superRefine((file, context) => {
    if (file.file_id != null) {
      refuseField(context, ['file_id'], 'Sluice cannot fetch uploaded files; send file_data');
    } else if (file.file_data == null) {
      context.addIssue({ code: 'custom', path: ['file_data'], message: 'Required' });
    } else if (!parseDataUrl(file.file_data)) {
      context.addIssue({
        code: 'custom',
        path: ['file_data'],
        message: 'must be a data:<type>;base64,<data> URL',
      });
    }
  }),
});

const inputAudioPartSchema = z
  .looseObject({ type: z.literal('input_audio') })
  .superRefine((_part, context) =>
    refuseField(context, ['input_audio'], 'Sluice does not relay audio input'),
  );

/** An assistant's refusal, sent back as part of the conversation. */
const refusalPartSchema = objectOfKnownKeys({ type: z.literal('refusal'), refusal: z.string() });

const userPartSchema = z.discriminatedUnion('type', [
  textPartSchema,
  imageUrlPartSchema,
  filePartSchema,
  inputAudioPartSchema,
]);

const CONTENT_SHAPE = { error: 'must be a string or an array of content parts' };

const textContentSchema = z.union([z.string(), z.array(textPartSchema)], CONTENT_SHAPE);

const toolCallSchema = objectOfKnownKeys({
  id: z.string().min(1).max(256),
  type: z.literal('function'),
  function: objectOfKnownKeys({ name: toolNameSchema, arguments: z.string() }),
});

const chatMessageSchema = z.discriminatedUnion('role', [
  objectOfKnownKeys({ role: z.enum(['system', 'developer']), content: textContentSchema }),
  objectOfKnownKeys({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(userPartSchema)], CONTENT_SHAPE),
  }),
  objectOfKnownKeys(
    {
      role: z.literal('assistant'),
      content: z
        .union(
          [z.string(), z.array(z.discriminatedUnion('type', [textPartSchema, refusalPartSchema]))],
          CONTENT_SHAPE,
        )
        .nullish(),
      tool_calls: z.array(toolCallSchema).max(MAX_TOOL_CALLS).nullish(),
      refusal: z.string().nullish(),
    },
    // What the OpenAI SDK and Sluice's own answers carry back in the conversation:
    // citations of the text itself and the model's earlier reasoning, which no provider
    // takes as input (DeepSeek documents refusing reasoning_content in requests).
    ['annotations', 'reasoning_content'],
  ),
  objectOfKnownKeys({
    role: z.literal('tool'),
    tool_call_id: z.string().min(1).max(256),
    content: textContentSchema,
  }),
  z
    .looseObject({ role: z.literal('function') })
    .superRefine((_message, context) =>
      refuseField(context, ['role'], 'legacy function messages; use tool messages'),
    ),
]);

export type OpenAiChatMessage = z.infer<typeof chatMessageSchema>;

export function chatMessagesSchema(maxMessages: number) {
  return z
    .array(chatMessageSchema)
    .min(1)
    .max(maxMessages)
    .superRefine((messages, context) => {
      // Providers reject an orphaned tool result with an opaque error; name the path instead.
      const called = new Set<string>();
      messages.forEach((message, index) => {
        if (message.role === 'assistant') {
          for (const call of message.tool_calls ?? []) called.add(call.id);
        } else if (message.role === 'tool' && !called.has(message.tool_call_id)) {
          context.addIssue({
            code: 'custom',
            path: [index, 'tool_call_id'],
            message: 'answers no earlier assistant tool call',
          });
        }
      });
    });
}

type UserPart = z.infer<typeof userPartSchema>;
type TextContent = z.infer<typeof textContentSchema>;

function textParts(content: TextContent): string | TextPart[] {
  if (typeof content === 'string') return content;
  return content.map((part) => ({ type: 'text', text: part.text }));
}

function imagePart(url: string, detail: 'auto' | 'low' | 'high' | null | undefined): ImagePart {
  const inline = parseDataUrl(url);
  const image: ImagePart = inline
    ? { type: 'image', data: inline.data, mediaType: inline.mediaType }
    : { type: 'image', url };
  if (detail != null) image.detail = detail;
  return image;
}

function contentPart(part: UserPart): ContentPart {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'image_url':
      return imagePart(part.image_url.url, part.image_url.detail);
    case 'file': {
      // The schema guarantees a parseable data URL here (file_id and audio were refused).
      const inline = parseDataUrl(part.file.file_data ?? '');
      const file: FilePart = {
        type: 'file',
        data: inline?.data ?? '',
        mediaType: inline?.mediaType ?? '',
      };
      if (part.file.filename != null) file.filename = part.file.filename;
      return file;
    }
    default:
      throw new TypeError(`refused content part ${part.type} reached translation`);
  }
}

type AssistantInput = Extract<OpenAiChatMessage, { role: 'assistant' }>;

/** The assistant's text; a refusal sent back with the conversation follows it as text. */
function assistantContent(message: AssistantInput): string | TextPart[] {
  const content = message.content ?? '';
  const refusal = message.refusal ?? '';
  if (typeof content === 'string') {
    if (refusal === '') return content;
    if (content === '') return refusal;
    return [
      { type: 'text', text: content },
      { type: 'text', text: refusal },
    ];
  }
  const parts: TextPart[] = content.map((part) => ({
    type: 'text',
    text: part.type === 'text' ? part.text : part.refusal,
  }));
  if (refusal !== '') parts.push({ type: 'text', text: refusal });
  return parts;
}

function assistantMessage(message: AssistantInput): ChatMessage {
  const assistant: ChatMessage = { role: 'assistant', content: assistantContent(message) };
  const toolCalls: ToolCall[] = (message.tool_calls ?? []).map((call) => ({
    toolCallId: call.id,
    toolName: call.function.name,
    arguments: call.function.arguments,
  }));
  if (toolCalls.length > 0) assistant.toolCalls = toolCalls;
  return assistant;
}

/** OpenAI messages as protocol messages, one for one (indexes match for error paths). */
export function chatMessagesFromOpenAi(messages: readonly OpenAiChatMessage[]): ChatMessage[] {
  return messages.map((message): ChatMessage => {
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textParts(message.content) };
      case 'user':
        return {
          role: 'user',
          content:
            typeof message.content === 'string'
              ? message.content
              : message.content.map(contentPart),
        };
      case 'assistant':
        return assistantMessage(message);
      case 'tool':
        return {
          role: 'tool',
          toolCallId: message.tool_call_id,
          content: textParts(message.content),
        };
      default:
        throw new TypeError(`refused role ${message.role} reached translation`);
    }
  });
}
