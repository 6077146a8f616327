/**
 * The provider contract, versioned like the Vercel AI SDK's: a model exposes `doStream`,
 * which yields `noun-verb` parts. Providers know nothing of HTTP clients of Sluice,
 * stores or guardrails.
 *
 * Failure contract:
 * - `doStream` rejects with `ProviderError` when the call fails before the stream begins
 *   (refused connection, non-2xx status, timeout) — the gateway can still answer 502/504.
 * - The returned iterator throws `ProviderError` for failures after it began (mid-stream
 *   error payloads, malformed data, truncated streams).
 * - Aborting `abortSignal` ends the upstream request at once (its socket closes); a pending
 *   `doStream` or iterator then throws the signal's reason (an `AbortError` DOMException for
 *   a bare `abort()`), as undici and `fetch` do. Consumers should test `signal.aborted`
 *   rather than the error's type. Breaking out of the iteration also closes the upstream.
 */
import type { ChatMessage, ErrorCode, GenerateRequest, SimulatorOptions } from '@sluice/protocol';
import { errorGuard, SluiceError } from '../errors/sluice-error.ts';

/** Fault-injection and pacing options understood by the built-in simulator. */
export type { ChatMessage, SimulatorOptions };

/**
 * What a model is called with: the native request's model options (the conversation —
 * multimodal user content, assistant tool calls, tool results — tools, format, sampling,
 * reasoning, simulator options, and `providerOptions`: fields for the upstream request body
 * keyed by provider kind, which a model merges verbatim after the fields it sets itself,
 * ignoring other providers' entries), plus the call's own abort signal and headers.
 */
export interface LanguageModelCallOptions
  extends Omit<GenerateRequest, 'model' | 'onDisconnect' | 'sessionId' | 'endUserId'> {
  abortSignal?: AbortSignal;
  /** Extra headers for the upstream request (e.g. `traceparent`). */
  headers?: Record<string, string>;
}

/**
 * A call option the model cannot carry to its upstream. The gateway refuses such a request
 * with `400 SLUICE_ERR_UNSUPPORTED_FIELD` naming `field` (a path in Sluice's request shape,
 * e.g. `responseFormat` or `messages.2.content.0`) rather than dropping it.
 */
export interface UnsupportedOption {
  field: string;
  /** Why, for the error message (never the value itself). */
  reason?: string;
}

export type ProviderFinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'error';

export interface ProviderUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** Reasoning tokens (part of `outputTokens`) when the upstream reports them. */
  reasoningTokens?: number;
  /** Input tokens read from the upstream's prompt cache (part of `inputTokens`). */
  cachedInputTokens?: number;
}

/**
 * What a model's stream yields. Tool calls arrive as `tool-call-start` (id and name), zero or
 * more `tool-call-delta` fragments of the JSON arguments string, and `tool-call-end`; calls
 * are numbered by `index` from 0 in the order they start and may interleave. Every started
 * call ends before `finish`.
 */
export type LanguageModelStreamPart =
  | { type: 'response-metadata'; modelId?: string; id?: string }
  | { type: 'text-delta'; delta: string }
  | { type: 'reasoning-delta'; delta: string }
  | { type: 'tool-call-start'; index: number; toolCallId: string; toolName: string }
  | { type: 'tool-call-delta'; index: number; argumentsDelta: string }
  | { type: 'tool-call-end'; index: number }
  | { type: 'finish'; finishReason: ProviderFinishReason; usage: ProviderUsage }
  /**
   * The answer continues on another model after `from` failed mid-stream (emitted by the
   * resilience decorator, never by a provider). `afterCharacters` is the length (UTF-16 code
   * units) of the text delivered before the seam; `reason` is the failure's error code.
   */
  | { type: 'model-switch'; from: string; to: string; reason: string; afterCharacters: number };

export interface LanguageModelStreamResult {
  stream: AsyncIterable<LanguageModelStreamPart>;
}

export interface LanguageModel {
  readonly specificationVersion: 'sluice-v2';
  /** Provider kind: `simulator`, `openai-compatible`, `anthropic`, `mock`. */
  readonly provider: string;
  /** The model id sent upstream. */
  readonly modelId: string;
  /**
   * The options of this call the model cannot carry (empty when it can carry them all).
   * Called before `doStream`; the gateway refuses the request when anything is listed.
   */
  unsupportedOptions(options: LanguageModelCallOptions): UnsupportedOption[];
  doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult>;
}

export interface ProviderErrorOptions {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Upstream HTTP status, when there was one. */
  upstreamStatus?: number;
  cause?: unknown;
}

/**
 * A typed upstream failure, a Sluice error with its catalogue code (502/504) and the
 * retryability the provider judged. `message` is safe to show to clients: it never
 * contains API keys or prompt text.
 */
export class ProviderError extends SluiceError {
  static override readonly isInstance = errorGuard<ProviderError>('ProviderError');
  override readonly name = 'ProviderError';
  readonly code: ErrorCode;
  readonly upstreamStatus: number | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, {
      retryable: options.retryable,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.code = options.code;
    this.upstreamStatus = options.upstreamStatus;
  }
}
