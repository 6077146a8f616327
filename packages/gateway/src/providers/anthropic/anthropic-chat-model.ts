/**
 * Anthropic Messages API streaming. `baseUrl` follows the same convention as the
 * OpenAI-compatible provider: the API root including its version segment, default
 * `https://api.anthropic.com/v1`, and requests go to `${baseUrl}/messages`. Text comes from
 * `text_delta` events; input usage from `message_start`, output usage and the stop reason from
 * `message_delta`; `message_stop` completes the stream. `ping` and non-text blocks (thinking,
 * tool input) are skipped; an `error` event fails the stream with a typed error.
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
import { readServerSentEvents } from '../shared/read-server-sent-events.ts';
import { releaseBody } from '../shared/release-body.ts';
import {
  errorFromStreamFailure,
  errorKindOf,
  malformedChunkError,
  truncatedStreamError,
} from '../shared/upstream-errors.ts';
import {
  createUpstreamDispatcher,
  joinUrl,
  type UpstreamHttpSettings,
} from '../shared/upstream-http-settings.ts';
import {
  ANTHROPIC_EVENT_TYPES,
  type AnthropicMessagesRequest,
  type AnthropicUsage,
  anthropicStreamEventSchema,
} from './anthropic-api-types.ts';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.ts';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
/** Anthropic requires `max_tokens`; this applies when the request sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicSettings extends UpstreamHttpSettings {
  /** API root with version segment; default `https://api.anthropic.com/v1`. */
  baseUrl?: string;
  /** Sent as `x-api-key`. */
  apiKey?: string;
  modelId: string;
  /** The `anthropic-version` header; default `2023-06-01`. */
  anthropicVersion?: string;
  /** `max_tokens` when the request sets none; default 4096. */
  defaultMaxTokens?: number;
}

/** Error types that describe the request itself; retrying it unchanged cannot help. */
const NON_RETRYABLE_ERROR_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'billing_error',
]);

export class AnthropicChatModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v1';
  readonly provider = 'anthropic';
  readonly modelId: string;
  readonly #settings: AnthropicSettings;
  readonly #dispatcher: Dispatcher;
  readonly #url: string;

  constructor(settings: AnthropicSettings) {
    this.#settings = settings;
    this.modelId = settings.modelId;
    this.#dispatcher = createUpstreamDispatcher(settings);
    this.#url = joinUrl(settings.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL, 'messages');
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
      'anthropic-version': this.#settings.anthropicVersion ?? '2023-06-01',
      ...this.#settings.headers,
      ...options.headers,
    };
    if (this.#settings.apiKey !== undefined) headers['x-api-key'] = this.#settings.apiKey;
    return headers;
  }

  #requestBody(options: LanguageModelCallOptions): AnthropicMessagesRequest {
    const { system, messages } = convertToAnthropicMessages(options.messages);
    const request: AnthropicMessagesRequest = {
      model: this.modelId,
      max_tokens:
        options.maxTokens ?? this.#settings.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
      messages,
      stream: true,
    };
    if (system !== undefined) request.system = system;
    if (options.temperature !== undefined) request.temperature = options.temperature;
    // The Messages API has no seed parameter; `options.seed` cannot be honoured here.
    return request;
  }

  async *#parts(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelStreamPart> {
    let completed = false;
    let stopReason: string | undefined;
    const usage: ProviderUsage = { inputTokens: undefined, outputTokens: undefined };
    const finishPart = (): LanguageModelStreamPart => ({
      type: 'finish',
      // `message_stop` with no stop_reason is still the API saying the message is complete.
      finishReason: stopReason === undefined ? 'stop' : mapAnthropicFinishReason(stopReason),
      usage,
    });
    try {
      for await (const message of readServerSentEvents(body)) {
        if (message.data === '') continue;
        const json = parseJsonData(message.data);
        const type = (json as { type?: unknown } | null)?.type ?? message.event;
        if (typeof type !== 'string' || !ANTHROPIC_EVENT_TYPES.has(type)) continue;
        const parsed = anthropicStreamEventSchema.safeParse(json);
        if (!parsed.success) throw malformedChunkError(`${type} event of unexpected shape`);
        const event = parsed.data;
        switch (event.type) {
          case 'message_start': {
            applyUsage(usage, event.message.usage);
            yield {
              type: 'response-metadata',
              ...(event.message.id == null ? {} : { id: event.message.id }),
              ...(event.message.model == null ? {} : { modelId: event.message.model }),
            };
            break;
          }
          case 'content_block_delta': {
            const text = event.delta.type === 'text_delta' ? event.delta.text : undefined;
            if (text != null && text !== '') yield { type: 'text-delta', delta: text };
            break;
          }
          case 'message_delta': {
            if (event.delta?.stop_reason != null) stopReason = event.delta.stop_reason;
            applyUsage(usage, event.usage);
            break;
          }
          case 'message_stop': {
            completed = true;
            yield finishPart();
            return;
          }
          case 'error':
            throw midStreamError(event.error);
          default:
            break; // ping and content block boundaries carry nothing we relay
        }
      }
      if (stopReason === undefined) throw truncatedStreamError();
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

/**
 * Input tokens are the whole prompt: uncached plus cache writes plus cache reads, which
 * Anthropic reports separately. `message_delta` usage is cumulative, so later values win.
 */
function applyUsage(usage: ProviderUsage, reported: AnthropicUsage | null | undefined): void {
  if (reported == null) return;
  if (reported.input_tokens != null) {
    usage.inputTokens =
      reported.input_tokens +
      (reported.cache_creation_input_tokens ?? 0) +
      (reported.cache_read_input_tokens ?? 0);
  }
  if (reported.output_tokens != null) usage.outputTokens = reported.output_tokens;
}

function midStreamError(error: { type?: string | null | undefined } | null | undefined) {
  const kind = errorKindOf(error);
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: `The upstream reported an error mid-stream${kind === undefined ? '' : ` (${kind})`}`,
    retryable: kind === undefined || !NON_RETRYABLE_ERROR_TYPES.has(kind),
  });
}
