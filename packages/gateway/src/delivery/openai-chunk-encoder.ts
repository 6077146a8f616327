/**
 * Generation events as OpenAI Chat Completions `chat.completion.chunk` SSE frames: role
 * chunk, content, `reasoning_content` and `tool_calls` chunks, finish chunk, optional usage
 * chunk, `[DONE]`. What the official `openai` SDK parses and assembles (its
 * `finalChatCompletion()` and `runTools` included).
 */
import type { FinishReason, GenerationEvent, Usage } from '@sluice/protocol';
import type { StoredMessage } from '../store/stream-store.ts';
import { messageText } from './generation-events.ts';

export function openAiFinishReason(reason: FinishReason | undefined): string {
  switch (reason) {
    case 'length':
    case 'quota':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** OpenAI's usage object; the details appear only when the provider reported them. */
export function openAiUsage(usage: Usage): OpenAiUsage {
  const openAi: OpenAiUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined) {
    openAi.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  }
  if (usage.reasoningTokens !== undefined) {
    openAi.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  }
  return openAi;
}

export function chatCompletionId(generationId: string): string {
  return `chatcmpl-${generationId}`;
}

export interface ChunkEncoderOptions {
  generationId: string;
  model: string;
  created: number;
  includeUsage: boolean;
}

const data = (payload: unknown) => `data: ${JSON.stringify(payload)}\n\n`;

/**
 * How the producer serializes the per-token events (`JSON.stringify`, `type` first). A
 * message in one of these layouts carries its text as a ready JSON string literal, which
 * goes into the chunk as is: no parse and no stringify per token. Any other layout is
 * parsed, so the bytes of the log are an optimisation, never a requirement.
 */
const TEXT_DELTA_PREFIX = '{"type":"text-delta","delta":"';
const REASONING_DELTA_PREFIX = '{"type":"reasoning-delta","delta":"';
const TOOL_CALL_DELTA_PREFIX = '{"type":"tool-call-delta","index":';
const ARGUMENTS_DELTA_KEY = ',"argumentsDelta":"';
/** A tool call index as JSON.stringify writes it. */
const INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * Where the JSON string literal opening at `quote` ends (the index of its closing quote);
 * -1 when it does not close. Usually one `indexOf`: deltas rarely contain quotes.
 */
function stringLiteralEnd(text: string, quote: number): number {
  let at = text.indexOf('"', quote + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 92) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

/** The literal from `quote` when it is the message's last member (`…"<literal>"}`). */
function trailingLiteral(text: string, quote: number): string | undefined {
  if (!text.endsWith('"}') || stringLiteralEnd(text, quote) !== text.length - 2) return undefined;
  return text.slice(quote, -1);
}

export class OpenAiChunkEncoder {
  readonly #options: ChunkEncoderOptions;
  readonly #id: string;
  /** A chunk up to its delta object, and what follows the delta: built once. */
  readonly #deltaPrefix: string;
  readonly #deltaSuffix = ',"logprobs":null,"finish_reason":null}]}\n\n';
  #complete = false;

  constructor(options: ChunkEncoderOptions) {
    this.#options = options;
    this.#id = chatCompletionId(options.generationId);
    // Field for field what #chunk serializes, so both paths give the same bytes.
    this.#deltaPrefix =
      `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk",` +
      `"created":${JSON.stringify(options.created)},"model":${JSON.stringify(options.model)},` +
      '"system_fingerprint":null,"choices":[{"index":0,"delta":';
  }

  encodeBatch = (messages: readonly StoredMessage[]): string => {
    let out = '';
    for (const message of messages) {
      if (this.#complete) break;
      const text = messageText(message);
      out += this.#encodeFast(text) ?? this.encode(JSON.parse(text) as GenerationEvent);
    }
    return out;
  };

  /** True once `[DONE]` or an error frame was produced: the OpenAI stream is over. */
  isComplete = (): boolean => this.#complete;

  encode(event: GenerationEvent): string {
    switch (event.type) {
      case 'response-start':
        return this.#chunk({ role: 'assistant', content: '' }, null);
      case 'text-delta':
        return this.#chunk({ content: event.delta }, null);
      case 'reasoning-delta':
        return this.#chunk({ reasoning_content: event.delta }, null);
      case 'tool-call-start':
        return this.#chunk(
          {
            tool_calls: [
              {
                index: event.index,
                id: event.toolCallId,
                type: 'function',
                function: { name: event.toolName, arguments: '' },
              },
            ],
          },
          null,
        );
      case 'tool-call-delta':
        return this.#chunk(
          { tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] },
          null,
        );
      case 'response-finish': {
        let out = this.#chunk({}, openAiFinishReason(event.finishReason));
        if (this.#options.includeUsage) out += this.#usageChunk(event.usage);
        this.#complete = true;
        return `${out}data: [DONE]\n\n`;
      }
      case 'response-error':
        // The OpenAI SDK raises an APIError for a chunk carrying `error`.
        this.#complete = true;
        return data({ error: { message: event.message, type: 'server_error', code: event.code } });
      default:
        // tool-call-end adds nothing: OpenAI clients assemble calls from the deltas.
        return '';
    }
  }

  /** The chunk for a per-token event in the producer's layout; undefined otherwise. */
  #encodeFast(text: string): string | undefined {
    if (text.startsWith(TEXT_DELTA_PREFIX)) {
      const literal = trailingLiteral(text, TEXT_DELTA_PREFIX.length - 1);
      if (literal === undefined) return undefined;
      return `${this.#deltaPrefix}{"content":${literal}}${this.#deltaSuffix}`;
    }
    if (text.startsWith(TOOL_CALL_DELTA_PREFIX)) {
      const key = text.indexOf(ARGUMENTS_DELTA_KEY, TOOL_CALL_DELTA_PREFIX.length);
      if (key === -1) return undefined;
      const index = text.slice(TOOL_CALL_DELTA_PREFIX.length, key);
      const literal = trailingLiteral(text, key + ARGUMENTS_DELTA_KEY.length - 1);
      if (literal === undefined || !INDEX.test(index)) return undefined;
      return (
        `${this.#deltaPrefix}{"tool_calls":[{"index":${index},"function":{"arguments":` +
        `${literal}}}]}${this.#deltaSuffix}`
      );
    }
    if (text.startsWith(REASONING_DELTA_PREFIX)) {
      const literal = trailingLiteral(text, REASONING_DELTA_PREFIX.length - 1);
      if (literal === undefined) return undefined;
      return `${this.#deltaPrefix}{"reasoning_content":${literal}}${this.#deltaSuffix}`;
    }
    return undefined;
  }

  #chunk(delta: Record<string, unknown>, finishReason: string | null): string {
    return data({
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#options.created,
      model: this.#options.model,
      system_fingerprint: null,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  #usageChunk(usage: Usage): string {
    return data({
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#options.created,
      model: this.#options.model,
      system_fingerprint: null,
      choices: [],
      usage: openAiUsage(usage),
    });
  }
}
