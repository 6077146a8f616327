/**
 * Wire shapes of Anthropic's Messages API in streaming mode. Event schemas are lenient:
 * unknown fields are ignored, unknown event types are skipped by the caller, and usage
 * fields may be missing, as the API adds fields over time.
 */
import { z } from 'zod';

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface AnthropicMessagesRequest {
  model: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string;
  stream: true;
  temperature?: number;
}

const anthropicUsageSchema = z.object({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message_start'),
    message: z.object({
      id: z.string().nullish(),
      model: z.string().nullish(),
      usage: anthropicUsageSchema.nullish(),
    }),
  }),
  z.object({ type: z.literal('content_block_start'), index: z.number().nullish() }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().nullish(),
    // text_delta carries `text`; thinking, signature, tool-input and citation deltas are skipped.
    delta: z.object({ type: z.string(), text: z.string().nullish() }),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().nullish() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullish() }).nullish(),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({
    type: z.literal('error'),
    error: z.object({ type: z.string().nullish(), message: z.string().nullish() }).nullish(),
  }),
]);

export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

export const ANTHROPIC_EVENT_TYPES: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);
