/**
 * How a generation ends: exactly one terminal event, after the record moved off `running`
 * with a compare-and-set (so two writers — a cancel and a natural finish, or two nodes —
 * never both end it), then everything queued is flushed to the log before the finalizer
 * runs. Blocks and spent quotas announce themselves with their own event first.
 */
import type { FinishReason, GenerationStatus, TerminalEvent, Usage } from '@sluice/protocol';
import type { TokenQuotaExceeded } from '../control/quotas/token-budget.ts';
import type { GenerationSummary } from '../observability/generation-summary.ts';
import { ProviderError } from '../providers/language-model.ts';
import type { GenerationError, GenerationRecordPatch, StopCause } from './generation-record.ts';
import { pushEvent, releaseHeld } from './producer-release.ts';
import { auditSubject, type ProducerContext, type ProducerState } from './producer-state.ts';
import type { Block } from './stages/guardrail-stage.ts';

export type Ending =
  | { kind: 'finish'; status: GenerationStatus; finishReason: FinishReason }
  | { kind: 'error'; error: GenerationError };

export function stopped(cause: StopCause | undefined): Ending {
  // An abandoned generation is a cancel nobody asked for; the record keeps the cause.
  const reason = cause === 'interrupted' ? 'interrupted' : 'cancelled';
  return { kind: 'finish', status: reason, finishReason: reason };
}

export function failure(error: unknown): Ending {
  if (ProviderError.isInstance(error)) {
    return {
      kind: 'error',
      error: { code: error.code, message: error.message, retryable: error.retryable },
    };
  }
  return {
    kind: 'error',
    error: {
      code: 'SLUICE_ERR_INTERNAL',
      message: 'The generation failed inside the gateway',
      retryable: true,
    },
  };
}

export async function stopForQuota(
  context: ProducerContext,
  exceeded: TokenQuotaExceeded,
): Promise<void> {
  // What the guardrails hold was already paid for: release it before stopping.
  const block = await releaseHeld(context);
  if (block) {
    await blockGeneration(context, block);
    return;
  }
  await pushEvent(context, {
    type: 'quota-exceeded',
    limit: exceeded.limit,
    scope: exceeded.scope,
    retryAfterMs: exceeded.retryAfterMs,
  });
  await endGeneration(
    context,
    { kind: 'finish', status: 'finished', finishReason: 'quota' },
    { outputTokens: context.metering.count },
  );
}

export async function blockGeneration(context: ProducerContext, block: Block): Promise<void> {
  const { state } = context;
  if (state.status !== 'running') return;
  context.audit.record({
    type: 'generation-blocked',
    generationId: state.id,
    ...auditSubject(state),
    payload: { rule: block.rule, reason: block.kind },
  });
  await pushEvent(context, { type: 'guardrail-block', rule: block.rule, kind: block.kind });
  await endGeneration(
    context,
    { kind: 'finish', status: 'finished', finishReason: 'content-filter' },
    { outputTokens: context.metering.count },
  );
}

export interface EndingUsage {
  inputTokens?: number | undefined;
  outputTokens: number;
  reasoningTokens?: number | undefined;
  cachedInputTokens?: number | undefined;
}

/**
 * Ends the generation once: the record (compare-and-set on `running`), then the terminal
 * event, then a flush of the appender. The log stays open for the finalizer's verdict.
 */
export async function endGeneration(
  context: ProducerContext,
  ending: Ending,
  usage: EndingUsage,
): Promise<void> {
  const { state, content } = context;
  if (context.appender.fenced) state.leaseLost = true;
  if (state.status !== 'running' || state.leaseLost) return;
  const now = performance.now();
  const finalUsage: Usage = {
    inputTokens: usage.inputTokens ?? state.inputTokenEstimate,
    outputTokens: usage.outputTokens,
  };
  if (usage.reasoningTokens !== undefined) finalUsage.reasoningTokens = usage.reasoningTokens;
  if (usage.cachedInputTokens !== undefined) {
    finalUsage.cachedInputTokens = usage.cachedInputTokens;
  }
  const timings = {
    timeToFirstTokenMs:
      state.firstTokenAt === undefined ? null : roundMs(state.firstTokenAt - state.startedAt),
    durationMs: roundMs(now - state.startedAt),
  };
  state.usage = finalUsage;
  state.timings = timings;
  let terminal: TerminalEvent;
  if (ending.kind === 'finish') {
    state.status = ending.status;
    state.finishReason = ending.finishReason;
    terminal = {
      type: 'response-finish',
      finishReason: ending.finishReason,
      usage: finalUsage,
      timings,
    };
  } else {
    state.status = 'failed';
    state.finishReason = 'error';
    state.error = ending.error;
    terminal = { type: 'response-error', ...ending.error };
  }
  let recorded = true;
  try {
    const patch: GenerationRecordPatch = {
      status: state.status,
      usage: finalUsage,
      timings,
      text: content.text,
      reasoning: content.reasoning,
      toolCalls: content.toolCalls,
      finishReason: state.finishReason,
      error: state.error,
      stopCause: state.stopCause,
    };
    recorded =
      (await context.records.update(
        state.id,
        patch,
        state.producerEpoch === undefined
          ? { ifStatus: 'running' }
          : { ifStatus: 'running', ifProducerEpoch: state.producerEpoch },
      )) !== undefined;
  } catch (error) {
    // The record store failed: readers must still learn the outcome from the log.
    context.observability.internalFailure('generation-record', error);
  }
  try {
    if (recorded) await pushEvent(context, terminal);
    await context.appender.flush();
  } catch (error) {
    // The log is gone (deleted or expired) or failed; the record tells the outcome.
    context.observability.internalFailure('stream-log', error);
  }
  context.observability.generationEnded(summaryOf(context, now));
  context.providerSpan?.end({
    finishReason: state.finishReason,
    inputTokens: finalUsage.inputTokens,
    outputTokens: finalUsage.outputTokens,
    reasoningTokens: finalUsage.reasoningTokens,
    toolNames: [...new Set(content.toolCalls.map((call) => call.toolName))],
    errorType: state.error?.code,
  });
}

function summaryOf(context: ProducerContext, endedAt: number): GenerationSummary {
  const state: ProducerState = context.state;
  const upstreamStartedAt = state.upstreamStartedAt;
  return {
    id: state.id,
    model: state.model,
    provider: state.provider,
    tenant: state.tenant,
    status: state.status as GenerationSummary['status'],
    finishReason: state.finishReason ?? 'error',
    errorCode: state.error?.code,
    usage: state.usage,
    timeToFirstTokenMs: state.timings?.timeToFirstTokenMs ?? null,
    durationMs: state.timings?.durationMs ?? endedAt - state.startedAt,
    upstream:
      upstreamStartedAt === undefined
        ? undefined
        : {
            timeToFirstTokenMs:
              state.upstreamFirstPartAt === undefined
                ? null
                : state.upstreamFirstPartAt - upstreamStartedAt,
            durationMs: (state.upstreamEndedAt ?? endedAt) - upstreamStartedAt,
            usage:
              state.upstreamUsage?.inputTokens === undefined ||
              state.upstreamUsage.outputTokens === undefined
                ? undefined
                : {
                    inputTokens: state.upstreamUsage.inputTokens,
                    outputTokens: state.upstreamUsage.outputTokens,
                  },
          },
    toolCalls: context.content.toolCalls.length,
    redactions: state.redactions,
  };
}

function roundMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}
