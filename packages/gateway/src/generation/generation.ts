/**
 * What a client asks for when it starts a generation (protocol v2 request plus who asked
 * and through which route). The generation's state is a `GenerationRecord`
 * (generation-record.ts); its content is the stream log.
 */
import type {
  OnDisconnect,
  ProviderOptions,
  ReasoningOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '@sluice/protocol';
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

export type { GenerationError, StopCause } from './generation-record.ts';
