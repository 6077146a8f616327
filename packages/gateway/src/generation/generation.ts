/**
 * A generation: one model response, its live state, and the stream log that is the
 * source of truth for everything delivered. The record here is the quick index for
 * `GET /v1/generations/{id}`; readers always go through the log.
 */
import type {
  FinishReason,
  GenerationStatus,
  OnDisconnect,
  ProviderOptions,
  ReasoningOptions,
  ResponseFinalEvent,
  ResponseFormat,
  Timings,
  ToolCall,
  ToolChoice,
  ToolDefinition,
  Usage,
} from '@sluice/protocol';
import type { PartialJsonParser, PartialJsonState } from '../governance/validators/partial-json.ts';
import type { RequestSpan } from '../observability/tracing.ts';
import type { ChatMessage, SimulatorOptions } from '../providers/language-model.ts';

export interface GenerationRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  reasoning?: ReasoningOptions;
  /** Upstream request fields by provider kind, passed through verbatim. */
  providerOptions?: ProviderOptions;
  onDisconnect?: OnDisconnect;
  simulator?: SimulatorOptions;
  /** Groups generations for export and deletion (a conversation, a chat session). */
  sessionId?: string;
  /** The application's end user, for data-subject export. */
  endUserId?: string;
  /** The API route that accepted the request; policies can be bound per route. */
  route?: string;
  /** The caller's tenant (owner of the generation) and API key. */
  tenant?: string;
  keyId?: string;
  /** The request's trace span: the provider call becomes its child. */
  traceParent?: RequestSpan;
  /** Headers forwarded to the upstream call (e.g. `traceparent`). */
  upstreamHeaders?: Record<string, string>;
}

/** Why the producer was stopped before the model finished. */
export type StopCause = 'cancelled' | 'interrupted';

export interface GenerationError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Generation {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  readonly streamPath: string;
  readonly createdAt: Date;
  readonly onDisconnect: OnDisconnect;
  /** `name@version` of the policy the generation runs under. */
  readonly policyVersion: string;
  /** Hash of the model's configuration (without secrets) the generation ran under. */
  readonly modelConfigurationVersion: string;
  readonly sessionId: string | undefined;
  readonly endUserId: string | undefined;
  /** The tenant that owns the generation: only its callers can read it. */
  readonly tenant: string;
  status: GenerationStatus;
  text: string;
  /** Reasoning text released so far (redacted like `text`); empty when there was none. */
  reasoning: string;
  /** Tool calls completed so far, in index order (arguments as released to clients). */
  toolCalls: ToolCall[];
  finishReason: FinishReason | undefined;
  usage: Usage;
  timings: Timings | undefined;
  error: GenerationError | undefined;
  /** The finalizer's verdict event, once the generation was finalized. */
  final: ResponseFinalEvent | undefined;
  /** Set while a flagged generation waits for a human decision. */
  reviewItemId: string | undefined;
  /** Partial JSON parsed so far, when the policy validates structured output. */
  readonly structured: PartialJsonParser | undefined;
  /** Resolves once the terminal event and the final verdict are in the log. */
  readonly done: Promise<void>;
}

export interface GenerationView {
  id: string;
  status: GenerationStatus;
  model: string;
  provider: string;
  createdAt: string;
  text: string;
  /** Present when the model reasoned visibly. */
  reasoning?: string;
  /** Present when the model called tools. */
  toolCalls?: ToolCall[];
  finishReason: FinishReason | null;
  usage: Usage;
  timings: Timings | null;
  policyVersion: string;
  modelConfigurationVersion: string;
  sessionId?: string;
  endUserId?: string;
  error?: GenerationError;
  final?: ResponseFinalEvent;
  reviewItemId?: string;
  /** Structured output parsed so far (`state` is `partial` while it streams). */
  structured?: { state: PartialJsonState; value: unknown };
}

export function viewGeneration(generation: Generation): GenerationView {
  const view: GenerationView = {
    id: generation.id,
    status: generation.status,
    model: generation.model,
    provider: generation.provider,
    createdAt: generation.createdAt.toISOString(),
    text: generation.text,
    finishReason: generation.finishReason ?? null,
    usage: generation.usage,
    timings: generation.timings ?? null,
    policyVersion: generation.policyVersion,
    modelConfigurationVersion: generation.modelConfigurationVersion,
  };
  if (generation.reasoning !== '') view.reasoning = generation.reasoning;
  if (generation.toolCalls.length > 0) view.toolCalls = generation.toolCalls;
  if (generation.sessionId !== undefined) view.sessionId = generation.sessionId;
  if (generation.endUserId !== undefined) view.endUserId = generation.endUserId;
  if (generation.error) view.error = generation.error;
  if (generation.final) view.final = generation.final;
  if (generation.reviewItemId !== undefined) view.reviewItemId = generation.reviewItemId;
  if (generation.structured) {
    view.structured = { state: generation.structured.state, value: generation.structured.value };
  }
  return view;
}
