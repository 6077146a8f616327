/**
 * What any node may be asked about a generation, as serialisable data: who owns it, which
 * model and policy version it runs under, where its log is, its status and outcome. The
 * producer (abort controller, guardrail sessions, parsers) lives only on the node running
 * it; everything a route answers comes from this record and the log. Answer content (text,
 * reasoning, tool calls) is written once the generation ended; while it runs, readers
 * assemble it from the log.
 */
import type {
  FinishReason,
  GenerationError,
  GenerationStatus,
  OnDisconnect,
  ResponseFinalEvent,
  Timings,
  ToolCall,
  Usage,
} from '@sluice/protocol';

/** Why the producer was stopped before the model finished. */
export type StopCause = 'cancelled' | 'interrupted' | 'abandoned';

export type { GenerationError };

export interface GenerationRecord {
  readonly id: string;
  readonly model: string;
  readonly provider: string;
  /** The generation's log in the stream store. */
  readonly streamPath: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly onDisconnect: OnDisconnect;
  /** `name@version` of the policy the generation runs under. */
  readonly policyVersion: string;
  /** Hash of the model's configuration (without secrets) the generation ran under. */
  readonly modelConfigurationVersion: string;
  /** The tenant that owns the generation: only its callers can read it. */
  readonly tenant: string;
  readonly sessionId?: string;
  readonly endUserId?: string;
  /** The policy validates structured output: readers show the partial JSON so far. */
  readonly tracksStructuredOutput: boolean;
  status: GenerationStatus;
  /** Set when a stop (cancel, shutdown, abandonment) ended the generation early. */
  stopCause?: StopCause;
  finishReason?: FinishReason;
  usage: Usage;
  timings?: Timings;
  error?: GenerationError;
  /** The answer as released to clients; written when the generation ended. */
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  /** The finalizer's verdict event, once the generation was finalized. */
  final?: ResponseFinalEvent;
  /** True once the terminal event and the verdict are in the log. */
  finalized: boolean;
  /** Set while a flagged generation waits for a human decision. */
  reviewItemId?: string;
  /**
   * In a cluster: the lease epoch of the producer that may write the generation. A node
   * that takes a lost producer over moves it on, so the old one's writes are refused.
   */
  producerEpoch?: number;
  /** The policy route the request named, so a node taking the generation over resolves the same policy. */
  readonly route?: string;
}

type PatchableField =
  | 'status'
  | 'stopCause'
  | 'finishReason'
  | 'usage'
  | 'timings'
  | 'error'
  | 'text'
  | 'reasoning'
  | 'toolCalls'
  | 'final'
  | 'finalized'
  | 'reviewItemId'
  | 'producerEpoch';

/**
 * The fields a record update may set (identity and ownership never change); a field given
 * as `undefined` is removed.
 */
export type GenerationRecordPatch = {
  [Field in PatchableField]?: GenerationRecord[Field] | undefined;
};
