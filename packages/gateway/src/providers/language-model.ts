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
import type { ErrorCode } from '@sluice/protocol';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Fault-injection and pacing options understood by the built-in simulator. */
export interface SimulatorOptions {
  ttftMs?: number;
  tokenIntervalMs?: number;
  failAfterTokens?: number;
  stallAfterTokens?: number;
}

export interface LanguageModelCallOptions {
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  abortSignal?: AbortSignal;
  /** Extra headers for the upstream request (e.g. `traceparent`). */
  headers?: Record<string, string>;
  simulator?: SimulatorOptions;
}

export type ProviderFinishReason = 'stop' | 'length' | 'content-filter' | 'error';

export interface ProviderUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
}

export type LanguageModelStreamPart =
  | { type: 'response-metadata'; modelId?: string; id?: string }
  | { type: 'text-delta'; delta: string }
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
  readonly specificationVersion: 'sluice-v1';
  /** Provider kind: `simulator`, `openai-compatible`, `anthropic`, `mock`. */
  readonly provider: string;
  /** The model id sent upstream. */
  readonly modelId: string;
  doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult>;
}

const PROVIDER_ERROR = Symbol.for('sluice.provider.error');

export interface ProviderErrorOptions {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Upstream HTTP status, when there was one. */
  statusCode?: number;
  cause?: unknown;
}

/**
 * A typed upstream failure. `message` is safe to show to clients: it never contains
 * API keys or prompt text.
 */
export class ProviderError extends Error {
  readonly [PROVIDER_ERROR] = true;
  override readonly name = 'ProviderError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;

  constructor(options: ProviderErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable;
    this.statusCode = options.statusCode;
  }

  static isInstance(value: unknown): value is ProviderError {
    return typeof value === 'object' && value !== null && PROVIDER_ERROR in value;
  }
}
