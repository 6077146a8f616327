/**
 * After the terminal event: run the policy's validators on the assembled answer,
 * append `response-final` (and `response-retract` when already delivered text is
 * rejected), audit the verdict, queue flagged answers for human review, and close the
 * log — unless the policy holds it open until a reviewer decides.
 */
import type { GenerationEvent, ReviewDecisionEvent, ToolCall } from '@sluice/protocol';
import { finalize } from '../governance/finalizer/finalize.ts';
import type { ActivePolicy } from '../governance/policy-runtime.ts';
import type { ReviewItem, ReviewQueue } from '../governance/review/review-queue.ts';
import type { GatewayMetrics } from '../observability/gateway-metrics.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import { auditSubject, encodeEvent, type ProducerState } from './generation-producer.ts';

export interface FinalizationContext {
  store: StreamStore;
  state: ProducerState;
  policy: ActivePolicy;
  audit: AuditTrail;
  reviews: ReviewQueue;
  metrics: GatewayMetrics;
}

/** What clients received: every `text-delta` and every completed tool call in the log. */
async function deliveredContent(
  store: StreamStore,
  path: string,
): Promise<{ text: string; toolCalls: ToolCall[] }> {
  let text = '';
  const toolCalls: ToolCall[] = [];
  let offset = '-1';
  for (;;) {
    const batch = await store.read(path, { offset });
    for (const message of batch.messages) {
      const event = JSON.parse(Buffer.from(message.data).toString('utf8')) as GenerationEvent;
      if (event.type === 'text-delta') text += event.delta;
      else if (event.type === 'tool-call-end') {
        toolCalls.push({
          toolCallId: event.toolCallId,
          toolName: event.toolName,
          arguments: event.arguments,
        });
      }
    }
    if (batch.upToDate || batch.messages.length === 0) return { text, toolCalls };
    offset = batch.nextOffset;
  }
}

export async function finalizeGeneration(context: FinalizationContext): Promise<void> {
  const { store, state, policy, audit } = context;
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
  try {
    const delivered = await deliveredContent(store, state.streamPath);
    const result = await finalize({
      generationId: state.id,
      text: state.text,
      deliveredText: delivered.text,
      toolCalls: state.toolCalls,
      deliveredToolCalls: delivered.toolCalls,
      outputContract: state.outputContract,
      model: state.model,
      provider: state.provider,
      usage: state.usage,
      timings: state.timings ?? { timeToFirstTokenMs: null, durationMs: 0 },
      finishReason: state.finishReason ?? 'error',
      validators: policy.validators,
      // Labelled by validator kind (`forbidden-pattern`), not by the policy's rule names.
      onCheckTimed: (name, durationMs) =>
        context.metrics.guardrailCheck({ name: name.split(':')[0] ?? name, durationMs }),
    });
    state.final = result.final;
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
        ...(state.toolCalls.length === 0
          ? {}
          : {
              toolCalls: state.toolCalls.map(({ toolCallId, toolName }) => ({
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
      state.reviewItemId = item.id;
      hold = policy.review.holdStreamUntilDecided;
    }
  } finally {
    // Whatever happened above, readers must not wait forever on an unfinished log.
    await store.append(state.streamPath, messages, { close: !hold }).catch(() => undefined);
  }
}

/**
 * Appends a reviewer's decision to a log held open for it (with a retraction when the
 * answer is rejected) and closes the log. Returns false when the log was not held.
 */
export async function appendReviewDecision(
  store: StreamStore,
  state: ProducerState,
  item: ReviewItem,
): Promise<boolean> {
  if (!item.decision) return false;
  const info = await store.head(state.streamPath).catch(() => undefined);
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
  await store.append(state.streamPath, messages, { close: true });
  return true;
}
