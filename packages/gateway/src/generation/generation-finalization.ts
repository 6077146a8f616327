/**
 * After the terminal event: run the policy's validators on the answer as released (the
 * producer kept it and its running hash, so nothing is read back from the log), append
 * `response-final` (and `response-retract` when already delivered content is rejected),
 * audit the verdict, queue flagged answers for human review, and close the log — unless
 * the policy holds it open until a reviewer decides. A finalizer that fails is logged,
 * counted and still ends the log with a flagged verdict.
 */
import type { ResponseFinalEvent, ReviewDecisionEvent } from '@sluice/protocol';
import { finalize } from '../governance/finalizer/finalize.ts';
import type { ActivePolicy } from '../governance/policy-runtime.ts';
import type { ReviewItem, ReviewQueue } from '../governance/review/review-queue.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { GenerationRecord, GenerationRecordPatch } from './generation-record.ts';
import { encodeEvent } from './producer-release.ts';
import { auditSubject, type ProducerState } from './producer-state.ts';
import type { CoalescingAppender } from './stages/coalescing-appender.ts';
import type { ReleasedContent } from './stages/released-content.ts';

export interface FinalizationContext {
  records: GenerationStore;
  state: ProducerState;
  /** What the producer released, with its running hash. */
  content: ReleasedContent;
  /**
   * The producer's appender, flushed: how many released events reached the log; the
   * verdict goes out through it (fenced like every write of the producer).
   */
  appender: CoalescingAppender;
  policy: ActivePolicy;
  audit: AuditTrail;
  reviews: ReviewQueue;
  observability: GatewayObservability;
}

/**
 * The verdict when the finalizer itself failed: not approved (nothing was checked), flagged
 * with a check that says so, so clients and reviewers see why.
 */
function unfinalizedVerdict(state: ProducerState, policy: ActivePolicy): ResponseFinalEvent {
  return {
    type: 'response-final',
    verdict: 'flagged',
    checks: [
      { name: 'finalizer', passed: false, detail: 'the finalizer failed; nothing was checked' },
    ],
    contentSha256: '',
    policyVersion: policy.label,
    model: state.model,
    provider: state.provider,
    usage: state.usage,
    timings: state.timings ?? { timeToFirstTokenMs: null, durationMs: 0 },
  };
}

/** Resolves with the verdict appended (undefined only if even that could not be made). */
export async function finalizeGeneration(
  context: FinalizationContext,
): Promise<ResponseFinalEvent | undefined> {
  const { state, policy, audit } = context;
  const subject = auditSubject(state);
  for (const [kind, count] of state.redactions) {
    audit.record({
      type: 'redaction-applied',
      generationId: state.id,
      ...subject,
      payload: { kind, count },
    });
  }
  for (const [kind, count] of state.toolArgumentFindings) {
    audit.record({
      type: 'redaction-applied',
      generationId: state.id,
      ...subject,
      payload: {
        kind,
        count,
        scope: 'tool-arguments',
        action: policy.guardrails.toolArguments === 'redact' ? 'redacted' : 'detected',
      },
    });
  }
  let hold = false;
  const messages: Uint8Array[] = [];
  const patch: GenerationRecordPatch = { finalized: true };
  try {
    const { content, appender } = context;
    const result = await finalize({
      generationId: state.id,
      text: content.text,
      toolCalls: content.toolCalls,
      contentSha256: content.digest(),
      delivery: { released: appender.pushed, appended: appender.appended },
      outputContract: state.outputContract,
      model: state.model,
      provider: state.provider,
      usage: state.usage,
      timings: state.timings ?? { timeToFirstTokenMs: null, durationMs: 0 },
      finishReason: state.finishReason ?? 'error',
      validators: policy.validators,
      // Labelled by validator kind (`forbidden-pattern`), not by the policy's rule names.
      onCheckTimed: (name, durationMs) =>
        context.observability.metrics.guardrailCheck({
          name: name.split(':')[0] ?? name,
          durationMs,
        }),
    });
    patch.final = result.final;
    audit.record({
      type: 'final-verdict',
      generationId: state.id,
      ...subject,
      payload: {
        verdict: result.final.verdict,
        checks: result.final.checks,
        contentSha256: result.final.contentSha256,
        policyVersion: result.final.policyVersion,
        model: state.model,
        ...(state.finishReason === undefined ? {} : { finishReason: state.finishReason }),
        usage: state.usage,
        ...(context.content.toolCalls.length === 0
          ? {}
          : {
              toolCalls: context.content.toolCalls.map(({ toolCallId, toolName }) => ({
                toolCallId,
                toolName,
              })),
            }),
      },
    });
    if (result.retract) messages.push(encodeEvent(result.retract));
    messages.push(encodeEvent(result.final));
    if (result.final.verdict === 'flagged' && policy.review.enqueueFlagged) {
      const item = await context.reviews.enqueue({
        generationId: state.id,
        model: state.model,
        policyVersion: policy.label,
        modelConfigurationVersion: state.modelConfigurationVersion,
        verdict: result.final.verdict,
        checks: result.final.checks,
        contentSha256: result.final.contentSha256,
        ...subject,
      });
      patch.reviewItemId = item.id;
      hold = policy.review.holdStreamUntilDecided;
    }
  } catch (error) {
    context.observability.internalFailure('finalizer', error);
    const final = unfinalizedVerdict(state, policy);
    messages.length = 0;
    messages.push(encodeEvent(final));
    patch.final = final;
    hold = false;
  }
  // Whatever happened above, readers must not wait forever on an unfinished log.
  try {
    await context.appender.appendLast(messages, !hold);
  } catch (error) {
    context.observability.internalFailure('stream-log', error);
  }
  try {
    await context.records.update(state.id, patch);
  } catch (error) {
    context.observability.internalFailure('generation-record', error);
  }
  return patch.final;
}

/**
 * Appends a reviewer's decision to a log held open for it (with a retraction when the
 * answer is rejected) and closes the log. Returns false when the log was not held.
 */
export async function appendReviewDecision(
  store: StreamStore,
  record: GenerationRecord,
  item: ReviewItem,
): Promise<boolean> {
  if (!item.decision) return false;
  // A log that is gone (expired, deleted) cannot take the decision: nothing to deliver to.
  const info = await store.head(record.streamPath).catch(() => undefined);
  if (!info || info.closed) return false;
  const event: ReviewDecisionEvent = {
    type: 'review-decision',
    decision: item.decision.decision,
    reviewer: item.decision.reviewer,
    note: item.decision.note,
  };
  const messages = [encodeEvent(event)];
  if (item.decision.decision === 'rejected') {
    messages.push(encodeEvent({ type: 'response-retract', reason: 'rejected by human review' }));
  }
  await store.append(record.streamPath, messages, { close: true });
  return true;
}
