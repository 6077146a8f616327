/**
 * Events of a generation's stream log. Every event is a JSON object whose `type` is
 * in `noun-verb` form; the stream log stores one event per message.
 */

export const FINISH_REASONS = [
  'stop',
  'length',
  'tool-calls',
  'cancelled',
  'content-filter',
  'quota',
  'interrupted',
  'error',
] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

export const GENERATION_STATUSES = [
  'running',
  'finished',
  'cancelled',
  'failed',
  'interrupted',
] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export type OnDisconnect = 'continue' | 'cancel';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Output tokens the model spent reasoning (included in `outputTokens`), when reported. */
  reasoningTokens?: number;
  /** Input tokens served from the provider's prompt cache (included in `inputTokens`). */
  cachedInputTokens?: number;
}

export interface Timings {
  /** Milliseconds from accepting the request to the first text delta; null when none came. */
  timeToFirstTokenMs: number | null;
  /** Milliseconds from accepting the request to the terminal event. */
  durationMs: number;
}

export interface ResponseStartEvent {
  type: 'response-start';
  id: string;
  model: string;
  provider: string;
  createdAt: string;
}

export interface TextDeltaEvent {
  type: 'text-delta';
  delta: string;
}

/** Reasoning ("thinking") text, when the provider exposes it. Guardrails apply as to text. */
export interface ReasoningDeltaEvent {
  type: 'reasoning-delta';
  delta: string;
}

/** The model began a tool call. `index` numbers the calls of one response from 0. */
export interface ToolCallStartEvent {
  type: 'tool-call-start';
  index: number;
  toolCallId: string;
  toolName: string;
}

/** A fragment of a tool call's JSON arguments string, relayed as it arrives. */
export interface ToolCallDeltaEvent {
  type: 'tool-call-delta';
  index: number;
  argumentsDelta: string;
}

/**
 * A tool call is complete: `arguments` is the whole JSON arguments string (the
 * concatenation of the call's `argumentsDelta`s).
 */
export interface ToolCallEndEvent {
  type: 'tool-call-end';
  index: number;
  toolCallId: string;
  toolName: string;
  arguments: string;
}

export interface ResponseFinishEvent {
  type: 'response-finish';
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
}

export interface ResponseErrorEvent {
  type: 'response-error';
  code: string;
  message: string;
  retryable: boolean;
}

export type Verdict = 'approved' | 'flagged' | 'rejected';

export interface CheckResult {
  name: string;
  passed: boolean;
  detail?: string;
}

export interface ResponseFinalEvent {
  type: 'response-final';
  verdict: Verdict;
  checks: CheckResult[];
  /**
   * SHA-256 (hex) of what was delivered. Without tool calls: of the UTF-8 text. With tool
   * calls: of the text's SHA-256 followed by the calls (see `toolCallsDigestInput`).
   */
  contentSha256: string;
  policyVersion: string;
  model: string;
  /** The provider that served the model (the same value as in `response-start`). */
  provider: string;
  usage: Usage;
  /** The generation's timings plus the time the finalizer took (assembly, checks, hash). */
  timings: Timings & { finalizationMs?: number };
}

export interface ResponseRetractEvent {
  type: 'response-retract';
  reason: string;
}

/** Why a guardrail stopped the generation (it then finishes with `content-filter`). */
export type GuardrailBlockKind = 'term' | 'pattern' | 'window' | 'holdback-overflow';

/**
 * A guardrail stopped the generation: the upstream was aborted and nothing from the
 * offending text on was released. Never carries the text itself.
 */
export interface GuardrailBlockEvent {
  type: 'guardrail-block';
  rule: string;
  kind: GuardrailBlockKind;
}

/**
 * The caller's token budget ran out while the answer streamed: the upstream was stopped
 * and the generation finishes with `quota`. Retry after `retryAfterMs`.
 */
export interface QuotaExceededEvent {
  type: 'quota-exceeded';
  limit: 'tokens-per-minute';
  scope: 'tenant' | 'key';
  retryAfterMs: number;
}

/**
 * The upstream failed mid-answer and a fallback model continues it (given the text so
 * far as an assistant prefix). Deltas before and after the seam form one answer.
 */
export interface ResponseSeamEvent {
  type: 'response-seam';
  from: string;
  to: string;
  /** The error code that ended the first model's part. */
  reason: string;
  /** Characters of the answer produced before the seam. */
  afterCharacters: number;
}

export interface ReviewDecisionEvent {
  type: 'review-decision';
  decision: 'approved' | 'rejected';
  reviewer: string;
  note: string;
}

export type GenerationEvent =
  | ResponseStartEvent
  | TextDeltaEvent
  | ReasoningDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | ToolCallEndEvent
  | ResponseFinishEvent
  | ResponseErrorEvent
  | ResponseFinalEvent
  | ResponseRetractEvent
  | GuardrailBlockEvent
  | QuotaExceededEvent
  | ResponseSeamEvent
  | ReviewDecisionEvent;

export type GenerationEventType = GenerationEvent['type'];

/** The events that end a generation; each generation has exactly one. */
export type TerminalEvent = ResponseFinishEvent | ResponseErrorEvent;

export function isTerminalEvent(event: GenerationEvent): event is TerminalEvent {
  return event.type === 'response-finish' || event.type === 'response-error';
}

/**
 * With tool calls, `contentSha256` is the SHA-256 of this string: the hex SHA-256 of the
 * text's UTF-8, then `JSON.stringify` of `[[toolCallId, toolName, arguments], …]` (calls in
 * index order). Hashing the text first lets a producer hash it as it streams; the fixed
 * length of that hash keeps the form unambiguous.
 */
export function toolCallsDigestInput(
  textSha256: string,
  toolCalls: ReadonlyArray<{ toolCallId: string; toolName: string; arguments: string }>,
): string {
  return (
    textSha256 +
    JSON.stringify(toolCalls.map((call) => [call.toolCallId, call.toolName, call.arguments]))
  );
}
