/**
 * What the producer of one generation holds on the node running it: its local state (what
 * the record will say at the end, and measurements for observability) and its context —
 * the stages the model's parts pass through, composed by `pumpModelStream`:
 *
 *   part → token metering → guardrails (text, reasoning) / tool-call stage
 *        → released content (running hash) → coalescing appender → stream log
 */
import type { FinishReason, GenerationStatus, Timings, Usage } from '@sluice/protocol';
import type { OutputContract } from '../governance/validators/output-contract-checks.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { ProviderSpan } from '../observability/tracing.ts';
import type { ProviderUsage } from '../providers/language-model.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { GenerationError, StopCause } from './generation-record.ts';
import type { CoalescingAppender } from './stages/coalescing-appender.ts';
import type { GuardrailStage } from './stages/guardrail-stage.ts';
import type { ReleasedContent } from './stages/released-content.ts';
import type { TokenMetering } from './stages/token-metering.ts';
import type { ToolCallRelay } from './stages/tool-call-relay.ts';

export interface ProducerState {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  readonly streamPath: string;
  readonly tenant: string;
  readonly sessionId: string | undefined;
  readonly endUserId: string | undefined;
  readonly policyVersion: string;
  readonly modelConfigurationVersion: string;
  /** In a cluster: the lease epoch this node produces under (see `cluster/`). */
  readonly producerEpoch: number | undefined;
  /**
   * Another node took the generation over (this node's lease was lost or its appends were
   * fenced): the producer stops without ending, finalizing or recording anything.
   */
  leaseLost: boolean;
  /** The tools and response format the request declared, for the finalizer's checks. */
  readonly outputContract: OutputContract;
  status: GenerationStatus;
  stopCause: StopCause | undefined;
  finishReason: FinishReason | undefined;
  usage: Usage;
  timings: Timings | undefined;
  error: GenerationError | undefined;
  /** performance.now() when the request was accepted. */
  readonly startedAt: number;
  /** When the first content (text, reasoning or a tool call) was released. */
  firstTokenAt: number | undefined;
  readonly inputTokenEstimate: number;
  /** Redactions so far by kind, in text and reasoning (counts only, never values). */
  readonly redactions: Map<string, number>;
  /** Detections in tool-call arguments by kind (redacted or only detected, per policy). */
  readonly toolArgumentFindings: Map<string, number>;
  /** The upstream call as seen at the provider boundary (performance.now() times). */
  upstreamStartedAt: number | undefined;
  upstreamFirstPartAt: number | undefined;
  upstreamEndedAt: number | undefined;
  upstreamUsage: ProviderUsage | undefined;
}

export interface ProducerContext {
  readonly state: ProducerState;
  readonly records: GenerationStore;
  readonly signal: AbortSignal;
  readonly metering: TokenMetering;
  readonly text: GuardrailStage;
  readonly reasoning: GuardrailStage;
  readonly toolCalls: ToolCallRelay;
  readonly content: ReleasedContent;
  readonly appender: CoalescingAppender;
  readonly audit: AuditTrail;
  readonly observability: GatewayObservability;
  providerSpan: ProviderSpan | undefined;
}

/** Who a generation's audit records are about. */
export function auditSubject(state: ProducerState): {
  tenant: string;
  sessionId?: string;
  endUserId?: string;
} {
  return {
    tenant: state.tenant,
    ...(state.sessionId === undefined ? {} : { sessionId: state.sessionId }),
    ...(state.endUserId === undefined ? {} : { endUserId: state.endUserId }),
  };
}
