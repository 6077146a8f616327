/**
 * Wire shapes of the Chat Completions streaming API, as OpenAI documents it and as vLLM,
 * Ollama, llama.cpp server and LM Studio emit it. Request shapes follow OpenAI's reference;
 * chunk schemas are deliberately lenient: unknown fields are ignored and most fields may be
 * missing or null, because compatible servers differ in what they fill in (e.g. vLLM's usage
 * chunk may carry `choices: null`, a tool call's later deltas carry neither id nor name).
 * `validate-openai-compatible-chunk.ts` applies the same rules by hand on the hot path: a
 * change here needs the same change there.
 */
import { z } from 'zod';

export interface OpenAICompatibleTextPart {
  type: 'text';
  text: string;
}

/** `url` is an `http(s):` URL or a `data:<mediaType>;base64,…` URL. */
export interface OpenAICompatibleImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' };
}

/** A file inlined as a data URL (`data:application/pdf;base64,…`). */
export interface OpenAICompatibleFilePart {
  type: 'file';
  file: { file_data: string; filename?: string };
}

export type OpenAICompatibleContentPart =
  | OpenAICompatibleTextPart
  | OpenAICompatibleImagePart
  | OpenAICompatibleFilePart;

export interface OpenAICompatibleToolCall {
  id: string;
  type: 'function';
  /** `arguments` is the JSON arguments string. */
  function: { name: string; arguments: string };
}

export type OpenAICompatibleMessage =
  | { role: 'system'; content: string | OpenAICompatibleTextPart[] }
  | { role: 'user'; content: string | OpenAICompatibleContentPart[] }
  | {
      role: 'assistant';
      /** `null` when the turn only called tools. */
      content: string | OpenAICompatibleTextPart[] | null;
      tool_calls?: OpenAICompatibleToolCall[];
    }
  | {
      role: 'tool';
      tool_call_id: string;
      /** OpenAI documents text parts only here; the model refuses other parts beforehand. */
      content: string | OpenAICompatibleContentPart[];
    };

export interface OpenAICompatibleTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters: Record<string, unknown>;
    strict?: boolean;
  };
}

export type OpenAICompatibleToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

export type OpenAICompatibleResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        schema: Record<string, unknown>;
        description?: string;
        strict?: boolean;
      };
    };

export interface OpenAICompatibleChatRequest {
  model: string;
  messages: OpenAICompatibleMessage[];
  stream: true;
  stream_options?: { include_usage: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  reasoning_effort?: string;
  tools?: OpenAICompatibleTool[];
  tool_choice?: OpenAICompatibleToolChoice;
  response_format?: OpenAICompatibleResponseFormat;
  /** Fields from `providerOptions['openai-compatible']`, sent verbatim. */
  [field: string]: unknown;
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

/**
 * One fragment of a tool call. The first fragment for an `index` carries `id` and
 * `function.name`; later ones carry `function.arguments` pieces. `index` is optional here
 * because some servers send whole calls without it (it then counts as 0).
 */
export const openAICompatibleToolCallDeltaSchema = z.object({
  index: z.number().nullish(),
  id: z.string().nullish(),
  function: z
    .object({
      name: z.string().nullish(),
      arguments: z.string().nullish(),
    })
    .nullish(),
});

export type OpenAICompatibleToolCallDelta = z.infer<typeof openAICompatibleToolCallDeltaSchema>;

export const openAICompatibleChunkSchema = z.object({
  id: z.string().nullish(),
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        index: z.number().nullish(),
        delta: z
          .object({
            content: z.string().nullish(),
            /** Reasoning text: `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter). */
            reasoning_content: z.string().nullish(),
            reasoning: z.string().nullish(),
            /** OpenAI's refusal text (structured outputs), instead of content. */
            refusal: z.string().nullish(),
            tool_calls: z.array(openAICompatibleToolCallDeltaSchema).nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z
    .object({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
      completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export type OpenAICompatibleChunk = z.infer<typeof openAICompatibleChunkSchema>;
