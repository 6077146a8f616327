/**
 * The request body of `POST /v1/chat`: what the Vercel AI SDK's `useChat` (through
 * `DefaultChatTransport`) sends — `{ id, messages: UIMessage[], trigger, messageId? }` —
 * plus the generation options an application adds to the body (`model`, `maxTokens`,
 * `simulator`, …, named as in the native API). The body is strict: a field Sluice does not
 * know is refused with a 400 naming it, never silently dropped. UI messages and their parts
 * are the SDK's own shapes, read loosely (the SDK adds UI state such as `state` or
 * `providerMetadata` to them); each part is checked by its type and a failure names its
 * path (`messages.0.parts.1.url`) without echoing the value.
 */
import { z } from 'zod';
import { imageUrlSchema, parseDataUrl, toolNameSchema } from './request-parts.ts';
import {
  checkToolChoice,
  modelOptionFields,
  type RequestLimits,
  subjectIdSchema,
} from './request-schemas.ts';

const MAX_PARTS = 1_000;

const mediaTypeSchema = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a media type');

const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const reasoningPartSchema = z.looseObject({ type: z.literal('reasoning'), text: z.string() });

/** Images by `http(s)` or base64 `data:` URL; other files only as base64 `data:` URLs. */
const filePartSchema = z
  .looseObject({
    type: z.literal('file'),
    mediaType: mediaTypeSchema,
    url: z.string().min(1),
    filename: z.string().min(1).max(255).optional(),
  })
  .superRefine((part, context) => {
    if (part.mediaType.startsWith('image/')) {
      const result = imageUrlSchema.safeParse(part.url);
      if (!result.success) {
        const message = result.error.issues[0]?.message ?? 'invalid';
        context.addIssue({ code: 'custom', path: ['url'], message });
      }
    } else if (parseDataUrl(part.url) === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a file that is not an image must be a data:<type>;base64,<data> URL',
      });
    }
  });

export const TOOL_PART_STATES = [
  'input-streaming',
  'input-available',
  'approval-requested',
  'approval-responded',
  'output-available',
  'output-error',
  'output-denied',
] as const;

const toolFields = {
  toolCallId: z.string().min(1).max(256),
  state: z.enum(TOOL_PART_STATES),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
};

/** `tool-<name>`: a call of a tool the application declared (the name is in the type). */
const staticToolPartSchema = z
  .looseObject({ type: z.string(), ...toolFields })
  .superRefine((part, context) => {
    if (!toolNameSchema.safeParse(part.type.slice('tool-'.length)).success) {
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: 'tool-<name>: the name must be 1-64 letters, digits, "_" or "-"',
      });
    }
  });

const dynamicToolPartSchema = z.looseObject({
  type: z.literal('dynamic-tool'),
  toolName: toolNameSchema,
  ...toolFields,
});

/** Parts that carry nothing for the model: step boundaries, sources, application data. */
const uiOnlyPartSchema = z.looseObject({ type: z.string() });

function schemaOfPart(type: string): z.ZodType | undefined {
  switch (type) {
    case 'text':
      return textPartSchema;
    case 'reasoning':
      return reasoningPartSchema;
    case 'file':
      return filePartSchema;
    case 'dynamic-tool':
      return dynamicToolPartSchema;
    case 'step-start':
    case 'source-url':
    case 'source-document':
      return uiOnlyPartSchema;
    default:
      if (type.startsWith('tool-')) return staticToolPartSchema;
      if (type.startsWith('data-')) return uiOnlyPartSchema;
      return undefined;
  }
}

export type UiToolPartState = (typeof TOOL_PART_STATES)[number];

export type UiMessagePart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'file'; mediaType: string; url: string; filename?: string }
  | {
      type: string;
      toolName?: string;
      toolCallId: string;
      state: UiToolPartState;
      input?: unknown;
      output?: unknown;
      errorText?: string;
    }
  | { type: string };

/** A part checked against the schema of its type; issues keep their paths below the part. */
const uiMessagePartSchema = z
  .looseObject({ type: z.string().min(1) })
  .superRefine((part, context) => {
    const schema = schemaOfPart(part.type);
    if (schema === undefined) {
      context.addIssue({ code: 'custom', path: ['type'], message: 'unknown UI message part type' });
      return;
    }
    const result = schema.safeParse(part);
    if (result.success) return;
    for (const issue of result.error.issues) {
      context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  })
  .transform((part) => part as UiMessagePart);

export const uiMessageSchema = z.looseObject({
  id: z.string().max(256),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(uiMessagePartSchema).max(MAX_PARTS),
});

export type UiMessage = z.infer<typeof uiMessageSchema>;

export function uiChatRequestSchema(limits: RequestLimits) {
  return z
    .object({
      /** The chat's id: the session its generations are filed under. */
      id: subjectIdSchema,
      messages: z.array(uiMessageSchema).min(1).max(limits.messages),
      trigger: z.enum(['submit-message', 'regenerate-message']),
      messageId: z.string().max(256).optional(),
      /** Absent: the gateway's default model (the first `GET /v1/models` lists). */
      model: z.string().min(1).optional(),
      ...modelOptionFields,
      endUserId: subjectIdSchema.optional(),
    })
    .strict()
    .superRefine((body, context) => checkToolChoice(body, context));
}

export type UiChatRequest = z.infer<ReturnType<typeof uiChatRequestSchema>>;
