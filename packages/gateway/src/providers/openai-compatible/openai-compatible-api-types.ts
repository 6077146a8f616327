/**
 * Wire shapes of the Chat Completions streaming API, as OpenAI documents it and as vLLM,
 * Ollama, llama.cpp server and LM Studio emit it. Chunk schemas are deliberately lenient:
 * unknown fields are ignored and most fields may be missing or null, because compatible
 * servers differ in what they fill in (e.g. vLLM's usage chunk may carry `choices: null`).
 */
import { z } from 'zod';

export interface OpenAICompatibleMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface OpenAICompatibleChatRequest {
  model: string;
  messages: OpenAICompatibleMessage[];
  stream: true;
  stream_options?: { include_usage: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  seed?: number;
}

export const openAICompatibleErrorSchema = z.object({
  error: z.union([
    z.string(),
    z.object({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
    }),
  ]),
});

export const openAICompatibleChunkSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        delta: z.object({ content: z.string().nullish() }).nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z
    .object({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
    })
    .nullish(),
});

export type OpenAICompatibleChunk = z.infer<typeof openAICompatibleChunkSchema>;
