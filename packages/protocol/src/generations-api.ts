/**
 * The native generations API on the wire: the body of `POST /v1/generations` and the
 * answer of `GET /v1/generations/{id}`. The gateway validates and produces these; the
 * client SDK sends and reads them.
 */
import type {
  FinishReason,
  GenerationStatus,
  OnDisconnect,
  ResponseFinalEvent,
  Timings,
  Usage,
} from './events.ts';
import type {
  ChatMessage,
  ProviderOptions,
  ReasoningOptions,
  ResponseFormat,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from './messages.ts';

/** The built-in simulator model's demo and fault-injection options. */
export interface SimulatorOptions {
  ttftMs?: number;
  tokenIntervalMs?: number;
  failAfterTokens?: number;
  stallAfterTokens?: number;
  /** Answer with this tool call (`arguments` is the JSON string), streamed in fragments. */
  toolCall?: { name: string; arguments: string };
  /** Stream this many reasoning deltas before the answer. */
  reasoningTokens?: number;
}

/** `POST /v1/generations`: what a client asks for (the SDK always streams). */
export interface GenerateRequest {
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
}

/** How a generation failed (`response-error`'s fields). */
export interface GenerationError {
  code: string;
  message: string;
  retryable: boolean;
}

/** Where structured output parsed so far stands. */
export type PartialJsonState = 'empty' | 'partial' | 'complete' | 'invalid';

/** `GET /v1/generations/{id}`: a generation as clients see it, with the answer so far. */
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
  /** Why the generation was stopped early, when it was (`cancelled`, `abandoned`, …). */
  stopCause?: string;
  error?: GenerationError;
  final?: ResponseFinalEvent;
  reviewItemId?: string;
  /** Structured output parsed so far (`state` is `partial` while it streams). */
  structured?: { state: PartialJsonState; value: unknown };
}
