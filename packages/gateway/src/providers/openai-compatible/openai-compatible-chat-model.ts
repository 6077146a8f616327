/**
 * Chat Completions streaming over HTTP (OpenAI, vLLM, Ollama, llama.cpp server, LM Studio).
 * POSTs `${baseUrl}/chat/completions` with `stream: true` and usage reporting (the body is
 * built by `build-openai-compatible-request.ts`), reads the SSE reply with eventsource-parser,
 * validates each chunk (by hand for the common shape, zod otherwise) and hands it to the chunk
 * reader, which turns it into text, reasoning and tool-call parts. The finish part waits for the
 * usage chunk, which compatible servers send after the chunk that carries `finish_reason`;
 * `[DONE]` (or, leniently, the end of a body that did carry a `finish_reason`) completes the
 * stream, and anything else ending it is a truncation.
 */
import type { Dispatcher } from 'undici';
import {
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  type LanguageModelStreamResult,
  ProviderError,
  type UnsupportedOption,
} from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import { parseJsonData } from '../shared/parse-json-data.ts';
import { postEventStream, type UpstreamBody } from '../shared/post-event-stream.ts';
import {
  createServerSentEventDecoder,
  type ServerSentEvent,
} from '../shared/read-server-sent-events.ts';
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
import {
  buildOpenAICompatibleRequest,
  OPENAI_COMPATIBLE_PROVIDER,
  type RequestSettings,
  reservedProviderOptions,
} from './build-openai-compatible-request.ts';
import { unsupportedMessageContent } from './convert-to-openai-compatible-messages.ts';
import { openAICompatibleErrorSchema } from './openai-compatible-api-types.ts';
import { OpenAICompatibleChunkReader } from './read-openai-compatible-chunks.ts';
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
  readonly specificationVersion = 'sluice-v2';
  readonly provider = OPENAI_COMPATIBLE_PROVIDER;
  readonly modelId: string;
  readonly #settings: OpenAICompatibleSettings;
  readonly #requestSettings: RequestSettings;
  readonly #dispatcher: Dispatcher;
  readonly #url: string;

  constructor(settings: OpenAICompatibleSettings) {
    this.#settings = settings;
    this.modelId = settings.modelId;
    this.#requestSettings = {
      modelId: settings.modelId,
      maxTokensField: settings.maxTokensField ?? 'max_tokens',
      includeUsage: settings.includeUsage ?? true,
    };
    this.#dispatcher = createUpstreamDispatcher(settings);
    this.#url = joinUrl(settings.baseUrl, 'chat/completions');
  }

  /**
   * Every typed option has a Chat Completions field; media in tool results does not, and
   * provider options may not replace the fields the gateway sets.
   */
  unsupportedOptions(options: LanguageModelCallOptions): UnsupportedOption[] {
    return [...unsupportedMessageContent(options.messages), ...reservedProviderOptions(options)];
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const request = buildOpenAICompatibleRequest(this.#requestSettings, options);
    const body = await postEventStream({
      url: this.#url,
      headers: this.#headers(options),
      body: JSON.stringify(request),
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

  async *#parts(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelStreamPart> {
    let completed = false;
    const reader = new OpenAICompatibleChunkReader();
    // Filled by the reader and emptied after each event: one array for the whole stream.
    const parts: LanguageModelStreamPart[] = [];
    try {
      // The SSE decoder is driven here, not through an async generator: one hop per read.
      const decoder = createServerSentEventDecoder();
      for await (const bytes of body) {
        const events = decoder.feed(bytes);
        for (let index = 0; index < events.length; index += 1) {
          const event = events[index] as ServerSentEvent;
          if (event.data === '[DONE]') {
            completed = true;
            reader.finish(parts);
            yield* parts;
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
          reader.read(validateOpenAICompatibleChunk(json), parts);
          for (let part = 0; part < parts.length; part += 1) {
            yield parts[part] as LanguageModelStreamPart;
          }
          parts.length = 0;
        }
      }
      if (!reader.finished) throw truncatedStreamError();
      completed = true;
      reader.finish(parts);
      yield* parts;
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw errorFromStreamFailure(error);
    } finally {
      body.release(completed);
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
