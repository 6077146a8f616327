/**
 * Chat Completions streaming over HTTP (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).
 * POSTs `${baseUrl}/chat/completions` with `stream: true` and usage reporting, reads the SSE
 * reply with eventsource-parser, validates each chunk (by hand for the common shape, zod
 * otherwise) and yields Sluice parts. The finish part waits for the usage chunk, which
 * compatible servers send after the chunk that carries `finish_reason`; `[DONE]` (or,
 * leniently, the end of a body that did carry a `finish_reason`) completes the stream, and
 * anything else ending it is a truncation.
 */
import type { Dispatcher } from 'undici';
import {
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  type LanguageModelStreamResult,
  ProviderError,
  type ProviderUsage,
} from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import { parseJsonData } from '../shared/parse-json-data.ts';
import { postEventStream, type UpstreamBody } from '../shared/post-event-stream.ts';
import {
  createServerSentEventDecoder,
  type ServerSentEvent,
} from '../shared/read-server-sent-events.ts';
import { releaseBody } from '../shared/release-body.ts';
import {
  errorFromStreamFailure,
  errorKindOf,
  truncatedStreamError,
} from '../shared/upstream-errors.ts';
import {
  createUpstreamDispatcher,
  joinUrl,
  type UpstreamHttpSettings,
} from '../shared/upstream-http-settings.ts';
import { convertToOpenAICompatibleMessages } from './convert-to-openai-compatible-messages.ts';
import { mapOpenAICompatibleFinishReason } from './map-openai-compatible-finish-reason.ts';
import {
  type OpenAICompatibleChatRequest,
  openAICompatibleErrorSchema,
} from './openai-compatible-api-types.ts';
import { validateOpenAICompatibleChunk } from './validate-openai-compatible-chunk.ts';

export interface OpenAICompatibleSettings extends UpstreamHttpSettings {
  /**
   * The API root including its version segment, e.g. `https://api.openai.com/v1`,
   * `http://127.0.0.1:11434/v1` (Ollama) or `http://127.0.0.1:8000/v1` (vLLM).
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when given; local servers usually need none. */
  apiKey?: string;
  modelId: string;
  /**
   * Which field carries `maxTokens`. `max_tokens` (default) is understood by every compatible
   * server; OpenAI's reasoning models accept only `max_completion_tokens`.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens' | 'both';
  /** Ask for the trailing usage chunk (`stream_options.include_usage`). Default true. */
  includeUsage?: boolean;
}

export class OpenAICompatibleChatModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v1';
  readonly provider = 'openai-compatible';
  readonly modelId: string;
  readonly #settings: OpenAICompatibleSettings;
  readonly #dispatcher: Dispatcher;
  readonly #url: string;

  constructor(settings: OpenAICompatibleSettings) {
    this.#settings = settings;
    this.modelId = settings.modelId;
    this.#dispatcher = createUpstreamDispatcher(settings);
    this.#url = joinUrl(settings.baseUrl, 'chat/completions');
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const body = await postEventStream({
      url: this.#url,
      headers: this.#headers(options),
      body: JSON.stringify(this.#requestBody(options)),
      dispatcher: this.#dispatcher,
      signal: options.abortSignal,
    });
    return { stream: this.#parts(body, options.abortSignal) };
  }

  #headers(options: LanguageModelCallOptions): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      ...this.#settings.headers,
      ...options.headers,
    };
    if (this.#settings.apiKey !== undefined) {
      headers.authorization = `Bearer ${this.#settings.apiKey}`;
    }
    return headers;
  }

  #requestBody(options: LanguageModelCallOptions): OpenAICompatibleChatRequest {
    const request: OpenAICompatibleChatRequest = {
      model: this.modelId,
      messages: convertToOpenAICompatibleMessages(options.messages),
      stream: true,
    };
    if (this.#settings.includeUsage ?? true) request.stream_options = { include_usage: true };
    if (options.maxTokens !== undefined) {
      const field = this.#settings.maxTokensField ?? 'max_tokens';
      if (field !== 'max_completion_tokens') request.max_tokens = options.maxTokens;
      if (field !== 'max_tokens') request.max_completion_tokens = options.maxTokens;
    }
    if (options.temperature !== undefined) request.temperature = options.temperature;
    if (options.seed !== undefined) request.seed = options.seed;
    return request;
  }

  async *#parts(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelStreamPart> {
    let completed = false;
    let metadataSent = false;
    let finishReason: string | undefined;
    const usage: ProviderUsage = { inputTokens: undefined, outputTokens: undefined };
    const finishPart = (): LanguageModelStreamPart => ({
      type: 'finish',
      // `[DONE]` with no finish_reason is still the server saying the answer is complete.
      finishReason:
        finishReason === undefined ? 'stop' : mapOpenAICompatibleFinishReason(finishReason),
      usage,
    });
    try {
      // The SSE decoder is driven here, not through an async generator: one hop per read.
      const decoder = createServerSentEventDecoder();
      for await (const bytes of body) {
        const events = decoder.feed(bytes);
        for (let index = 0; index < events.length; index += 1) {
          const event = events[index] as ServerSentEvent;
          if (event.data === '[DONE]') {
            completed = true;
            yield finishPart();
            return;
          }
          if (event.data === '') continue;
          const json = parseJsonData(event.data);
          if (
            event.event === 'error' ||
            (typeof json === 'object' && json !== null && 'error' in json)
          ) {
            throw midStreamError(json);
          }
          const chunk = validateOpenAICompatibleChunk(json);
          if (!metadataSent) {
            metadataSent = true;
            yield {
              type: 'response-metadata',
              ...(chunk.id == null ? {} : { id: chunk.id }),
              ...(chunk.model == null ? {} : { modelId: chunk.model }),
            };
          }
          for (const choice of chunk.choices ?? []) {
            if ((choice.index ?? 0) !== 0) continue; // only the first candidate is relayed
            const content = choice.delta?.content;
            if (content != null && content !== '') yield { type: 'text-delta', delta: content };
            if (choice.finish_reason != null) finishReason = choice.finish_reason;
          }
          if (chunk.usage != null) {
            usage.inputTokens = chunk.usage.prompt_tokens ?? undefined;
            usage.outputTokens = chunk.usage.completion_tokens ?? undefined;
          }
        }
      }
      if (finishReason === undefined) throw truncatedStreamError();
      completed = true;
      yield finishPart();
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw errorFromStreamFailure(error);
    } finally {
      releaseBody(body, completed);
    }
  }
}

function midStreamError(json: unknown): ProviderError {
  const parsed = openAICompatibleErrorSchema.safeParse(json);
  const error = parsed.success ? parsed.data.error : undefined;
  const kind = typeof error === 'object' ? errorKindOf(error) : undefined;
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: `The upstream reported an error mid-stream${kind === undefined ? '' : ` (${kind})`}`,
    retryable: kind !== 'invalid_request_error',
  });
}
