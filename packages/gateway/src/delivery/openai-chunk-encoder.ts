/**
 * Generation events as OpenAI Chat Completions: `chat.completion.chunk` SSE frames
 * (role chunk, content chunks, finish chunk, optional usage chunk, `[DONE]`) and the
 * non-streaming `chat.completion` object. What the official `openai` SDK parses.
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
    default:
      return 'stop';
  }
}

export function openAiUsage(usage: Usage) {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
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
 * How the producer serializes a text delta (`JSON.stringify` of `{ type, delta }`, type
 * first). A message in this layout carries its delta as a ready JSON string literal,
 * which goes into the chunk as is: no parse and no stringify per token.
 */
const TEXT_DELTA_PREFIX = '{"type":"text-delta","delta":"';

export class OpenAiChunkEncoder {
  readonly #options: ChunkEncoderOptions;
  readonly #id: string;
  /** A content chunk up to the delta's JSON string, and what follows it: built once. */
  readonly #contentPrefix: string;
  readonly #contentSuffix = '},"logprobs":null,"finish_reason":null}]}\n\n';
  #complete = false;

  constructor(options: ChunkEncoderOptions) {
    this.#options = options;
    this.#id = chatCompletionId(options.generationId);
    // Field for field what #chunk serializes, so both paths give the same bytes.
    this.#contentPrefix =
      `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk",` +
      `"created":${JSON.stringify(options.created)},"model":${JSON.stringify(options.model)},` +
      '"system_fingerprint":null,"choices":[{"index":0,"delta":{"content":';
  }

  encodeBatch = (messages: readonly StoredMessage[]): string => {
    let out = '';
    for (const message of messages) {
      if (this.#complete) break;
      const text = messageText(message);
      if (text.startsWith(TEXT_DELTA_PREFIX) && text.endsWith('"}')) {
        // The delta's literal runs from its opening quote to the closing brace.
        out +=
          this.#contentPrefix + text.slice(TEXT_DELTA_PREFIX.length - 1, -1) + this.#contentSuffix;
      } else {
        out += this.encode(JSON.parse(text) as GenerationEvent);
      }
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
        return '';
    }
  }

  #chunk(delta: Record<string, string>, finishReason: string | null): string {
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
