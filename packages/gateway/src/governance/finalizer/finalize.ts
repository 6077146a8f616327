/**
 * The finalizer: when a generation ends it validates the final answer against the active
 * policy and the request's own output contract (declared tool schemas, response format)
 * and produces the `response-final` event (verdict, every check, content hash,
 * timings) and, when a rejected answer had already reached clients, a `response-retract`
 * event so they can hide it. It appends nothing itself: the caller appends the returned
 * events to the generation's log, retraction first, before closing the log.
 */
import type {
  FinishReason,
  ResponseFinalEvent,
  ResponseRetractEvent,
  Timings,
  ToolCall,
  Usage,
} from '@sluice/protocol';
import type { CompiledValidators } from '../validators/compile-validators.ts';
import { checkOutputContract, type OutputContract } from '../validators/output-contract-checks.ts';
import type { ValidationContext, ValidatorOutcome } from '../validators/validator.ts';
import { checkConsistency } from './consistency-check.ts';
import { contentSha256 } from './content-sha256.ts';
import { type CheckTimer, runValidators } from './run-validators.ts';
import { computeVerdict } from './verdict.ts';

export interface FinalizationInput {
  generationId: string;
  /** The released answer (what clients received). */
  text: string;
  /** The released tool calls, in index order. */
  toolCalls?: readonly ToolCall[];
  /**
   * SHA-256 of what clients received, as the producer hashed it while releasing; computed
   * from `text` and `toolCalls` when absent.
   */
  contentSha256?: string;
  /**
   * How many released events the producer queued and how many reached the log; the
   * consistency check fails when they differ (a log that lost part of the answer).
   */
  delivery?: { released: number; appended: number };
  model: string;
  provider: string;
  usage: Usage;
  /** The generation's own timings, as in `response-finish`. */
  timings: Timings;
  finishReason: FinishReason;
  /** The active policy's validators, compiled once per policy version; carries the version. */
  validators: CompiledValidators;
  /** The tools and response format the request declared. */
  outputContract?: OutputContract;
  /** Told how long each check took. */
  onCheckTimed?: CheckTimer;
}

export interface FinalizationResult {
  final: ResponseFinalEvent;
  /** Present when the verdict is `rejected` and clients had already received text. */
  retract?: ResponseRetractEvent;
  /** Whether every released event reached the log (a mismatch is also a failed check). */
  consistent: boolean;
}

export async function finalize(input: FinalizationInput): Promise<FinalizationResult> {
  const startedAt = performance.now();
  const toolCalls = input.toolCalls ?? [];
  const policyVersion = input.validators.policyVersion;
  const context: ValidationContext = {
    generationId: input.generationId,
    model: input.model,
    provider: input.provider,
    policyVersion,
    contentSha256: input.contentSha256 ?? contentSha256(input.text, toolCalls),
    finishReason: input.finishReason,
  };
  const consistency = checkConsistency(input.delivery);
  const outcomes: ValidatorOutcome[] = [
    ...(await runValidators(input.validators.validators, input.text, context, input.onCheckTimed)),
    ...checkOutputContract(
      input.outputContract ?? {},
      input.validators.outputContract,
      { text: input.text, toolCalls, finishReason: input.finishReason },
      input.validators.limits,
    ),
    consistency,
  ];
  const verdict = computeVerdict(outcomes);
  const final: ResponseFinalEvent = {
    type: 'response-final',
    verdict,
    checks: outcomes.map((outcome) => outcome.check),
    contentSha256: context.contentSha256,
    policyVersion,
    model: input.model,
    provider: input.provider,
    usage: input.usage,
    timings: { ...input.timings, finalizationMs: roundMs(performance.now() - startedAt) },
  };
  const result: FinalizationResult = { final, consistent: consistency.check.passed };
  if (verdict === 'rejected' && (input.text.length > 0 || toolCalls.length > 0)) {
    result.retract = { type: 'response-retract', reason: retractReason(policyVersion, outcomes) };
  }
  return result;
}

/** Names the rejecting checks, never the text, since the reason is shown to clients. */
function retractReason(policyVersion: string, outcomes: readonly ValidatorOutcome[]): string {
  const rejecting = outcomes
    .filter((outcome) => !outcome.check.passed && outcome.onFail === 'reject')
    .map((outcome) => outcome.check.name);
  return `Rejected by policy ${policyVersion}: failed ${rejecting.join(', ')}`;
}

function roundMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}
