/**
 * Zod schemas of the native (protocol v2) request pieces: messages with text, image and
 * file parts, assistant tool calls, tool results, tool definitions, tool choice and response
 * format. Each rule that can fail names its path (`messages.2.toolCallId`,
 * `tools.1.name: duplicate tool name`) and never echoes a value.
 */
import { REASONING_EFFORTS } from '@sluice/protocol';
import { z } from 'zod';
import {
  base64Schema,
  imageUrlSchema,
  jsonSchemaObjectSchema,
  refineUniqueToolNames,
  toolNameSchema,
  toolParametersSchema,
} from './request-parts.ts';

const MAX_TOOLS = 128;
const MAX_STOP_SEQUENCES = 16;

const mediaTypeSchema = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type');
const detailSchema = z.enum(['auto', 'low', 'high']);

const textPartSchema = z.object({ type: z.literal('text'), text: z.string() }).strict();

const imagePartSchema = z
  .object({
    type: z.literal('image'),
    url: imageUrlSchema.optional(),
    data: base64Schema.optional(),
    mediaType: mediaTypeSchema.optional(),
    detail: detailSchema.optional(),
  })
  .strict()
  .superRefine((part, context) => {
    const byUrl = part.url !== undefined;
    const byData = part.data !== undefined;
    if (byUrl === byData) {
      context.addIssue({ code: 'custom', message: 'an image needs either url or data' });
    } else if (byData && part.mediaType === undefined) {
      context.addIssue({ code: 'custom', path: ['mediaType'], message: 'required with data' });
    } else if (byUrl && part.mediaType !== undefined) {
      context.addIssue({ code: 'custom', path: ['mediaType'], message: 'only with data' });
    }
  });

const filePartSchema = z
  .object({
    type: z.literal('file'),
    data: base64Schema,
    mediaType: mediaTypeSchema,
    filename: z.string().min(1).max(255).optional(),
  })
  .strict();

const contentPartSchema = z.discriminatedUnion('type', [
  textPartSchema,
  imagePartSchema,
  filePartSchema,
]);

const textContentSchema = z.union([z.string(), z.array(textPartSchema)]);
const richContentSchema = z.union([z.string(), z.array(contentPartSchema)]);

export const toolCallSchema = z
  .object({
    toolCallId: z.string().min(1).max(256),
    toolName: toolNameSchema,
    arguments: z.string(),
  })
  .strict();

const chatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContentSchema }).strict(),
  z.object({ role: z.literal('user'), content: richContentSchema }).strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: textContentSchema,
      toolCalls: z.array(toolCallSchema).max(MAX_TOOLS).optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('tool'),
      toolCallId: z.string().min(1).max(256),
      content: richContentSchema,
    })
    .strict(),
]);

export function chatMessagesSchema(maxMessages: number) {
  return z.array(chatMessageSchema).min(1).max(maxMessages);
}

const toolDefinitionSchema = z
  .object({
    name: toolNameSchema,
    description: z.string().max(10_000).optional(),
    parameters: toolParametersSchema,
    strict: z.boolean().optional(),
  })
  .strict();

export const toolsSchema = z
  .array(toolDefinitionSchema)
  .max(MAX_TOOLS)
  .superRefine((tools, context) =>
    refineUniqueToolNames(tools, (tool) => tool.name, ['name'], context),
  );

export const toolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ toolName: toolNameSchema }).strict(),
]);

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      name: toolNameSchema,
      schema: jsonSchemaObjectSchema,
      description: z.string().max(10_000).optional(),
      strict: z.boolean().optional(),
    })
    .strict(),
]);

export const stopSchema = z.array(z.string().min(1).max(256)).min(1).max(MAX_STOP_SEQUENCES);

export const reasoningSchema = z.object({ effort: z.enum(REASONING_EFFORTS) }).strict();

/** `{ <provider kind>: { <upstream field>: … } }`, passed through verbatim. */
export const providerOptionsSchema = z.record(
  z.string().min(1).max(64),
  z.record(z.string(), z.unknown()),
);
