/**
 * The OpenAI Chat Completions request as `/v1/chat/completions` accepts it, and its
 * translation to Sluice's generation request.
 */
import { z } from 'zod';
import { DELIVERY_MODES } from '../../config/config-schema.ts';
import type { ChatMessage } from '../../providers/language-model.ts';
import {
  maxTokensSchema,
  type RequestLimits,
  seedSchema,
  simulatorOptionsSchema,
  subjectIdSchema,
  temperatureSchema,
} from '../request-schemas.ts';

/** OpenAI content: a string, or an array of parts of which Sluice reads the text parts. */
const openAiContentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  z.null(),
]);

const openAiMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: openAiContentSchema.optional(),
});

export function chatCompletionRequestSchema(limits: RequestLimits) {
  // Loose: the OpenAI SDK sends many optional parameters; Sluice ignores the ones it
  // does not support rather than failing requests that work against OpenAI.
  return z.looseObject({
    model: z.string().min(1),
    messages: z.array(openAiMessageSchema).min(1).max(limits.messages),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    max_tokens: maxTokensSchema.nullish(),
    max_completion_tokens: maxTokensSchema.nullish(),
    temperature: temperatureSchema.nullish(),
    seed: seedSchema.nullish(),
    n: z.literal(1).nullish(),
    /** OpenAI's end-user identifier. */
    user: subjectIdSchema.nullish(),
    onDisconnect: z.enum(['continue', 'cancel']).optional(),
    simulator: simulatorOptionsSchema.optional(),
    sessionId: subjectIdSchema.optional(),
    delivery: z.enum(DELIVERY_MODES).optional(),
  });
}

export type ChatCompletionRequest = z.infer<ReturnType<typeof chatCompletionRequestSchema>>;

/** Flattens OpenAI messages to Sluice's: `developer` is a system message; text parts join. */
export function chatMessagesFromOpenAi(messages: ChatCompletionRequest['messages']): ChatMessage[] {
  return messages.map((message) => {
    const role =
      message.role === 'developer' ? 'system' : message.role === 'tool' ? 'user' : message.role;
    const content =
      typeof message.content === 'string'
        ? message.content
        : (message.content ?? [])
            .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
            .join('');
    return { role, content };
  });
}
