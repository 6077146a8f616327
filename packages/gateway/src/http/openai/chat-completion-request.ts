/**
 * The OpenAI Chat Completions request as `/v1/chat/completions` accepts it. Fields Sluice
 * translates are validated here; fields no provider can carry through Sluice (several
 * choices, audio, log probabilities, legacy functions, predicted outputs) are refused; every
 * other field is kept for the translation, which forwards it to OpenAI-compatible upstreams.
 */
import { REASONING_EFFORTS } from '@sluice/protocol';
import { z } from 'zod';
import { DELIVERY_MODES } from '../../config/config-schema.ts';
import { HttpError } from '../http-error.ts';
import { stopSchema } from '../message-schemas.ts';
import {
  maxTokensSchema,
  type RequestLimits,
  seedSchema,
  simulatorOptionsSchema,
  subjectIdSchema,
  temperatureSchema,
  topPSchema,
} from '../request-schemas.ts';
import { chatMessagesSchema } from './chat-completion-messages.ts';
import { responseFormatSchema, toolChoiceSchema, toolsSchema } from './chat-completion-tools.ts';
import {
  isUnsupportedFieldIssue,
  refuseField,
  unsupportedFieldError,
} from './unsupported-field.ts';

/**
 * Fields refused for every provider, each with a test for the harmless values clients send
 * by default (`n: 1`, `logprobs: false`, `modalities: ['text']`) and the reason.
 */
const REFUSED_FIELDS: Record<string, { harmless: (value: unknown) => boolean; reason: string }> = {
  n: {
    harmless: (value) => value === 1,
    reason: 'Sluice relays one choice per request (n must be 1)',
  },
  audio: { harmless: () => false, reason: 'Sluice does not relay audio output' },
  modalities: {
    harmless: (value) => Array.isArray(value) && value.every((modality) => modality === 'text'),
    reason: 'Sluice relays text output only',
  },
  logprobs: {
    harmless: (value) => value === false,
    reason: 'Sluice does not relay log probabilities',
  },
  top_logprobs: {
    harmless: (value) => value === 0,
    reason: 'Sluice does not relay log probabilities',
  },
  functions: { harmless: () => false, reason: 'legacy function calling; use tools' },
  function_call: { harmless: () => false, reason: 'legacy function calling; use tool_choice' },
  prediction: { harmless: () => false, reason: 'Sluice does not relay predicted outputs' },
};

const chatCompletionShape = (limits: RequestLimits) => ({
  model: z.string().min(1),
  messages: chatMessagesSchema(limits.messages),
  tools: toolsSchema.nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  response_format: responseFormatSchema.nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_tokens: maxTokensSchema.nullish(),
  max_completion_tokens: maxTokensSchema.nullish(),
  temperature: temperatureSchema.nullish(),
  top_p: topPSchema.nullish(),
  stop: z
    .union([z.string().min(1).max(256), stopSchema], {
      error: 'must be a string or an array of strings',
    })
    .nullish(),
  seed: seedSchema.nullish(),
  reasoning_effort: z.enum(REASONING_EFFORTS).nullish(),
  /** OpenAI's end-user identifier: Sluice's `endUserId`, also forwarded to OpenAI. */
  user: subjectIdSchema.nullish(),
  // Sluice's own fields.
  onDisconnect: z.enum(['continue', 'cancel']).optional(),
  simulator: simulatorOptionsSchema.optional(),
  sessionId: subjectIdSchema.optional(),
  delivery: z.enum(DELIVERY_MODES).optional(),
});

/** Fields the translation reads or refuses; anything else is forwarded or refused per provider. */
export const INTERPRETED_FIELDS: ReadonlySet<string> = new Set([
  ...Object.keys(chatCompletionShape({ messages: 1 })),
  ...Object.keys(REFUSED_FIELDS),
]);

export function chatCompletionRequestSchema(limits: RequestLimits) {
  // Loose: fields Sluice does not interpret are forwarded (or refused) by the translation.
  return z.looseObject(chatCompletionShape(limits)).superRefine((body, context) => {
    for (const [field, { harmless, reason }] of Object.entries(REFUSED_FIELDS)) {
      const value = body[field];
      if (value !== undefined && value !== null && !harmless(value)) {
        refuseField(context, [field], reason);
      }
    }
    const choice = body.tool_choice;
    if (
      typeof choice === 'object' &&
      choice !== null &&
      !body.tools?.some((tool) => tool.function.name === choice.function.name)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['tool_choice', 'function', 'name'],
        message: 'names no tool in tools',
      });
    }
  });
}

export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequestSchema>>;

/**
 * Validates a request body: the first problem becomes a 400 naming its OpenAI path,
 * `SLUICE_ERR_UNSUPPORTED_FIELD` (with the provider, when the model is known) for a field
 * Sluice cannot carry, `SLUICE_ERR_INVALID_REQUEST` otherwise. Values are never echoed.
 */
export function parseChatCompletionRequest(
  schema: ReturnType<typeof chatCompletionRequestSchema>,
  body: unknown,
  provider: string | undefined,
): ChatCompletionRequest {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  if (first === undefined) throw new HttpError('SLUICE_ERR_INVALID_REQUEST', 'body: invalid');
  const { issue, path } = innermostIssue(first, first.path);
  const field = path.length > 0 ? path.join('.') : 'body';
  if (isUnsupportedFieldIssue(issue)) throw unsupportedFieldError(field, issue.message, provider);
  throw new HttpError('SLUICE_ERR_INVALID_REQUEST', `${field}: ${issueMessage(issue)}`);
}

/**
 * For a value no alternative of a union accepted, the problem inside the alternative that
 * got furthest (e.g. `messages.0.content.1.type` rather than `messages.0.content: Invalid
 * input`); the union's own issue when none got past the value itself.
 */
function innermostIssue(
  issue: z.core.$ZodIssue,
  path: readonly PropertyKey[],
): { issue: z.core.$ZodIssue; path: readonly PropertyKey[] } {
  if (issue.code !== 'invalid_union') return { issue, path };
  let best: z.core.$ZodIssue | undefined;
  for (const alternative of issue.errors) {
    const candidate = alternative[0];
    if (candidate && candidate.path.length > (best?.path.length ?? 0)) best = candidate;
  }
  return best === undefined ? { issue, path } : innermostIssue(best, [...path, ...best.path]);
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return 'Required';
  }
  return issue.message;
}
