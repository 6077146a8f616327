/**
 * Request bodies of the public API, validated with zod. Validation errors name the path
 * of the bad field and never echo its value.
 */

import type { ChatMessage, ToolChoice, ToolDefinition } from '@sluice/protocol';
import { z } from 'zod';
import { DELIVERY_MODES } from '../config/config-schema.ts';
import type { GenerationRequest } from '../generation/generation.ts';
import type { SimulatorOptions } from '../providers/language-model.ts';
import { HttpError } from './http-error.ts';
import {
  chatMessagesSchema,
  providerOptionsSchema,
  reasoningSchema,
  responseFormatSchema,
  stopSchema,
  toolChoiceSchema,
  toolsSchema,
} from './message-schemas.ts';
import { toolNameSchema } from './request-parts.ts';

export interface RequestLimits {
  messages: number;
}

const MAX_DELAY_MS = 10 * 60_000;

export const simulatorOptionsSchema = z
  .object({
    ttftMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    tokenIntervalMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    failAfterTokens: z.number().int().min(0).optional(),
    stallAfterTokens: z.number().int().min(0).optional(),
    toolCall: z
      .object({ name: toolNameSchema, arguments: z.string().max(100_000) })
      .strict()
      .optional(),
    reasoningTokens: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();

export const maxTokensSchema = z.number().int().positive().max(1_000_000);
export const temperatureSchema = z.number().min(0).max(2);
export const seedSchema = z.number().int();
export const topPSchema = z.number().min(0).max(1);

/** Session and end-user ids: opaque application identifiers, kept short and printable. */
export const subjectIdSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/**
 * The model options every generation-starting route takes under the same names (the
 * native API, the AI SDK's `/v1/chat`): tools, format, sampling, reasoning, pass-through
 * provider fields and the simulator's options.
 */
export const modelOptionFields = {
  tools: toolsSchema.optional(),
  toolChoice: toolChoiceSchema.optional(),
  responseFormat: responseFormatSchema.optional(),
  maxTokens: maxTokensSchema.optional(),
  temperature: temperatureSchema.optional(),
  topP: topPSchema.optional(),
  stop: stopSchema.optional(),
  seed: seedSchema.optional(),
  reasoning: reasoningSchema.optional(),
  providerOptions: providerOptionsSchema.optional(),
  simulator: simulatorOptionsSchema.optional(),
};

export function generationRequestSchema(limits: RequestLimits) {
  return z
    .object({
      model: z.string().min(1),
      messages: chatMessagesSchema(limits.messages),
      ...modelOptionFields,
      onDisconnect: z.enum(['continue', 'cancel']).optional(),
      sessionId: subjectIdSchema.optional(),
      endUserId: subjectIdSchema.optional(),
      /** `stream`, `final` (one body with the validated answer) or `auto`. */
      delivery: z.enum(DELIVERY_MODES).optional(),
    })
    .strict()
    .superRefine((body, context) => checkToolReferences(body as ToolReferences, context));
}

/**
 * Cross-field rules: a forced tool must be declared, and a tool message must answer a call
 * made earlier in the conversation (providers reject orphaned tool results with an opaque
 * error, so Sluice names the path instead).
 */
interface ToolReferences {
  messages: ChatMessage[];
  tools?: ToolDefinition[] | undefined;
  toolChoice?: ToolChoice | undefined;
}

/** A `toolChoice` naming a tool must name one of `tools`. */
export function checkToolChoice(
  body: {
    tools?: readonly { name: string }[] | undefined;
    toolChoice?: ToolReferences['toolChoice'];
  },
  context: z.RefinementCtx,
): void {
  const choice = body.toolChoice;
  if (typeof choice === 'object' && !body.tools?.some((tool) => tool.name === choice.toolName)) {
    context.addIssue({
      code: 'custom',
      path: ['toolChoice', 'toolName'],
      message: 'names no tool in tools',
    });
  }
}

function checkToolReferences(body: ToolReferences, context: z.RefinementCtx): void {
  checkToolChoice(body, context);
  const called = new Set<string>();
  body.messages.forEach((message, index) => {
    if (message.role === 'assistant') {
      for (const call of message.toolCalls ?? []) called.add(call.toolCallId);
    } else if (message.role === 'tool' && !called.has(message.toolCallId)) {
      context.addIssue({
        code: 'custom',
        path: ['messages', index, 'toolCallId'],
        message: 'answers no earlier assistant tool call',
      });
    }
  });
}

/** A conversation longer than the configured limit is a 413, like an oversized body. */
export function checkMessageCount(body: unknown, limits: RequestLimits): void {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (Array.isArray(messages) && messages.length > limits.messages) {
    throw new HttpError(
      'SLUICE_ERR_TOO_MANY_MESSAGES',
      `At most ${limits.messages} messages are accepted`,
    );
  }
}

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  throw new HttpError('SLUICE_ERR_INVALID_REQUEST', `${path}: ${issue?.message ?? 'invalid'}`);
}

type Defined<T> = { [K in keyof T]-?: Exclude<T[K], undefined | null> };

/** Drops undefined and null values so optional fields stay absent (exactOptionalPropertyTypes). */
export function compact<T extends object>(value: T): Partial<Defined<T>> {
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined && entry !== null) out[key] = entry;
  }
  return out as Partial<Defined<T>>;
}

export function toSimulatorOptions(
  options: z.infer<typeof simulatorOptionsSchema> | undefined,
): SimulatorOptions | undefined {
  return options === undefined ? undefined : compact(options);
}

export function generationRequestFromBody(
  body: z.infer<ReturnType<typeof generationRequestSchema>>,
): GenerationRequest {
  const { messages, simulator, delivery: _delivery, ...rest } = body;
  const request: GenerationRequest = {
    ...(compact(rest) as Partial<GenerationRequest>),
    model: body.model,
    // Validated above; zod types optional fields as `T | undefined`, which exact optional
    // property types keep apart from the protocol's `field?: T`.
    messages: messages as ChatMessage[],
    route: '/v1/generations',
  };
  const simulatorOptions = toSimulatorOptions(simulator);
  if (simulatorOptions) request.simulator = simulatorOptions;
  return request;
}
