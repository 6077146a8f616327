/**
 * The knobs of upstream resilience and their defaults, in one place so the config schema,
 * the factory and the decorator agree. Per model: retries before the first token, the
 * timeouts the wrapper enforces, the breaker thresholds and whether the model can continue
 * another model's partial answer.
 */
import type { CircuitBreakerSettings } from './circuit-breaker.ts';

export interface RetryPolicy {
  /** Attempts per model before moving on, the first included; 1 disables retries. */
  attempts: number;
  /** Ceiling of the first retry's random wait; doubles with every further retry. */
  baseDelayMs: number;
  /** Upper bound of any retry's ceiling. */
  maxDelayMs: number;
}

export interface ResilienceTimeouts {
  /**
   * From sending the request to the first token: text, reasoning or the start of a tool call
   * (or a finish with none). Covers connecting and waiting for headers too. `undefined`
   * disables it.
   */
  firstTokenMs?: number | undefined;
  /**
   * Longest silence between two stream parts once the first token arrived. Measured on parts
   * rather than bytes, so keep-alive pings do not hide a stalled answer. `undefined` disables it.
   */
  tokenGapMs?: number | undefined;
}

/**
 * `assistant-prefix`: the model accepts a trailing assistant message as the start of its
 * answer and continues it (OpenAI-compatible servers, Anthropic). `none`: it cannot take over
 * an answer mid-way.
 */
export type ContinuationSupport = 'assistant-prefix' | 'none';

/** What a config entry says about one model's resilience; everything optional. */
export interface ModelResilienceSettings {
  /** Public names of the models tried, in order, when this one fails before or mid-stream. */
  fallbacks?: readonly string[];
  retry?: Partial<RetryPolicy>;
  timeouts?: ResilienceTimeouts & {
    /** Applied by the provider (undici connect timeout); listed here so config has one home. */
    connectMs?: number | undefined;
  };
  circuitBreaker?: Omit<CircuitBreakerSettings, 'now'>;
  /** Default: `assistant-prefix` for `openai-compatible` and `anthropic`, else `none`. */
  continuation?: ContinuationSupport;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 2,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
};

export const DEFAULT_TIMEOUTS: Required<ResilienceTimeouts> = {
  firstTokenMs: 60_000,
  tokenGapMs: 60_000,
};

const PREFIX_CAPABLE_PROVIDERS = new Set(['openai-compatible', 'anthropic']);

export function defaultContinuation(provider: string): ContinuationSupport {
  return PREFIX_CAPABLE_PROVIDERS.has(provider) ? 'assistant-prefix' : 'none';
}

export function resolveRetryPolicy(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  const attempts = Math.max(1, Math.floor(retry?.attempts ?? DEFAULT_RETRY_POLICY.attempts));
  const baseDelayMs = Math.max(0, retry?.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs);
  const maxDelayMs = Math.max(baseDelayMs, retry?.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs);
  return { attempts, baseDelayMs, maxDelayMs };
}
