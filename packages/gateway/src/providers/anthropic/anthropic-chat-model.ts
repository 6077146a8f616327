/**
 * Anthropic Messages API streaming (protocol v2). `baseUrl` follows the same convention as the
 * OpenAI-compatible provider: the API root including its version segment, default
 * `https://api.anthropic.com/v1`, and requests go to `${baseUrl}/messages`. The body comes
 * from build-anthropic-request.ts, which also names what this model cannot carry; `doStream`
 * refuses such a call too, so nothing is dropped even if the gateway did not ask first.
 *
 * Parsing: content blocks (text, thinking, tool use) become parts in anthropic-content-blocks.ts;
 * input usage comes from `message_start`, output usage and the stop reason from `message_delta`;
 * `message_stop` completes the stream. `ping` is skipped; an `error` event fails the stream
 * with a typed error, and so does data we cannot relay faithfully (a malformed stream).
 */
import type { Dispatcher } from 'undici';
import {
  type LanguageModel,
  type LanguageModelCallOptions,
  type LanguageModelStreamPart,
  type LanguageModelStreamResult,
  ProviderError,
  type ProviderUsage,
  type UnsupportedOption,
} from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import { parseJsonData } from '../shared/parse-json-data.ts';
import { postEventStream, type UpstreamBody } from '../shared/post-event-stream.ts';
import { readServerSentEvents } from '../shared/read-server-sent-events.ts';
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
  type AnthropicUsage,
  anthropicStreamEventSchema,
} from './anthropic-api-types.ts';
import { AnthropicContentBlocks } from './anthropic-content-blocks.ts';
import { buildAnthropicRequest } from './build-anthropic-request.ts';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
/**
 * Anthropic requires `max_tokens`; this applies when the request sets none (plus the thinking
 * budget when reasoning is on, see anthropic-thinking.ts).
 */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicSettings extends UpstreamHttpSettings {
  /** API root with version segment; default `https://api.anthropic.com/v1`. */
  baseUrl?: string;
  /** Sent as `x-api-key`. */
  apiKey?: string;
  modelId: string;
  /** The `anthropic-version` header; default `2023-06-01`. */
  anthropicVersion?: string;
  /** `max_tokens` when the request sets none; default 4096 (plus any thinking budget). */
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
  readonly specificationVersion = 'sluice-v2';
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

  unsupportedOptions(options: LanguageModelCallOptions): UnsupportedOption[] {
    return this.#request(options).unsupported;
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const { body, unsupported } = this.#request(options);
    if (unsupported.length > 0) throw unsupportedOptionsError(unsupported);
    const response = await postEventStream({
      url: this.#url,
      headers: this.#headers(options),
      body: JSON.stringify(body),
      dispatcher: this.#dispatcher,
      signal: options.abortSignal,
    });
    return { stream: this.#parts(response, options.abortSignal) };
  }

  #request(options: LanguageModelCallOptions) {
    const defaultMaxTokens = this.#settings.defaultMaxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS;
    return buildAnthropicRequest({ modelId: this.modelId, defaultMaxTokens }, options);
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

  async *#parts(
    body: UpstreamBody,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<LanguageModelStreamPart> {
    let completed = false;
    let stopReason: string | undefined;
    const reported: AnthropicUsage = {};
    const blocks = new AnthropicContentBlocks();
    const finishPart = (): LanguageModelStreamPart => {
      blocks.assertComplete();
      return {
        type: 'finish',
        // `message_stop` with no stop_reason is still the API saying the message is complete.
        finishReason: stopReason === undefined ? 'stop' : mapAnthropicFinishReason(stopReason),
        usage: providerUsage(reported),
      };
    };
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
            mergeUsage(reported, event.message.usage);
            yield {
              type: 'response-metadata',
              ...(event.message.id == null ? {} : { id: event.message.id }),
              ...(event.message.model == null ? {} : { modelId: event.message.model }),
            };
            break;
          }
          case 'content_block_start': {
            const part = blocks.start(event.index, event.content_block);
            if (part !== undefined) yield part;
            break;
          }
          case 'content_block_delta': {
            const part = blocks.delta(event.index, event.delta);
            if (part !== undefined) yield part;
            break;
          }
          case 'content_block_stop': {
            for (const part of blocks.stop(event.index)) yield part;
            break;
          }
          case 'message_delta': {
            if (event.delta?.stop_reason != null) stopReason = event.delta.stop_reason;
            mergeUsage(reported, event.usage);
            break;
          }
          case 'message_stop': {
            const finish = finishPart();
            completed = true;
            yield finish;
            return;
          }
          case 'error':
            throw midStreamError(event.error);
          default:
            break; // ping carries nothing
        }
      }
      if (stopReason === undefined) throw truncatedStreamError();
      const finish = finishPart();
      completed = true;
      yield finish;
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw errorFromStreamFailure(error);
    } finally {
      body.release(completed);
    }
  }
}

/** Usage events are cumulative: a field reported again replaces the earlier value. */
function mergeUsage(reported: AnthropicUsage, update: AnthropicUsage | null | undefined): void {
  if (update == null) return;
  for (const field of USAGE_FIELDS) {
    const value = update[field];
    if (value != null) reported[field] = value;
  }
}

const USAGE_FIELDS = [
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
] as const satisfies ReadonlyArray<keyof AnthropicUsage>;

/**
 * Input tokens are the whole prompt: uncached plus cache writes plus cache reads, which
 * Anthropic reports separately; the cache reads are also given as `cachedInputTokens`.
 * Anthropic does not count thinking tokens apart from the rest of the output.
 */
function providerUsage(reported: AnthropicUsage): ProviderUsage {
  const cacheRead = reported.cache_read_input_tokens;
  const usage: ProviderUsage = {
    inputTokens:
      reported.input_tokens == null
        ? undefined
        : reported.input_tokens + (reported.cache_creation_input_tokens ?? 0) + (cacheRead ?? 0),
    outputTokens: reported.output_tokens ?? undefined,
  };
  if (cacheRead != null) usage.cachedInputTokens = cacheRead;
  return usage;
}

function unsupportedOptionsError(unsupported: readonly UnsupportedOption[]): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UNSUPPORTED_FIELD',
    message: `The model cannot carry: ${unsupported.map((option) => option.field).join(', ')}`,
    retryable: false,
  });
}

function midStreamError(error: { type?: string | null | undefined } | null | undefined) {
  const kind = errorKindOf(error);
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_ERROR',
    message: `The upstream reported an error mid-stream${kind === undefined ? '' : ` (${kind})`}`,
    retryable: kind === undefined || !NON_RETRYABLE_ERROR_TYPES.has(kind),
  });
}
