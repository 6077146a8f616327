/**
 * The producer of one generation: pulls parts from the model, passes text and reasoning
 * through the guardrails (redaction holdback, blocking) and tool-call arguments through the
 * tool-call stage, appends what may be released to the stream log, and ends the generation
 * exactly once with one terminal event. Per token: one guardrail push, and when something
 * is released one JSON encode and one append.
 */
import type {
  FinishReason,
  GenerationEvent,
  GenerationStatus,
  GuardrailBlockKind,
  TerminalEvent,
  Timings,
  ToolCall,
  Usage,
} from '@sluice/protocol';
import type { TokenBudget, TokenQuotaExceeded } from '../control/quotas/token-budget.ts';
import type { OutputContract } from '../governance/validators/output-contract-checks.ts';
import type { GuardrailOutput, GuardrailSession } from '../guardrails/guardrail-session.ts';
import type { RedactionCount } from '../guardrails/redact-text.ts';
import type { GenerationSummary } from '../observability/generation-summary.ts';
import type { GatewayObservability } from '../observability/observability.ts';
import type { ProviderSpan } from '../observability/tracing.ts';
import {
  type LanguageModelStreamPart,
  ProviderError,
  type ProviderUsage,
} from '../providers/language-model.ts';
import { malformedChunkError } from '../providers/shared/upstream-errors.ts';
import type { GenerationStore } from '../store/generation-store.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { GenerationError, GenerationRecordPatch, StopCause } from './generation-record.ts';
import type { ToolCallRelay, ToolCallStep } from './tool-call-relay.ts';

export function encodeEvent(event: GenerationEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event));
}

/**
 * What the producer keeps of its generation, on the node running it only. The parts other
 * nodes need go to the generation's record at the transitions (start, end, verdict).
 */
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
  status: GenerationStatus;
  stopCause: StopCause | undefined;
  /** Released text, reasoning and completed tool calls (as clients received them). */
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: FinishReason | undefined;
  usage: Usage;
  timings: Timings | undefined;
  error: GenerationError | undefined;
  /** performance.now() when the request was accepted. */
  readonly startedAt: number;
  firstTokenAt: number | undefined;
  inputTokenEstimate: number;
  /** Redactions so far by kind, in text and reasoning (counts only, never values). */
  readonly redactions: Map<string, number>;
  /** Detections in tool-call arguments by kind (redacted or only detected, per policy). */
  readonly toolArgumentFindings: Map<string, number>;
  /** The tools and response format the request declared, for the finalizer's checks. */
  readonly outputContract: OutputContract;
  /** The upstream call as seen at the provider boundary (performance.now() times). */
  upstreamStartedAt: number | undefined;
  upstreamFirstPartAt: number | undefined;
  upstreamEndedAt: number | undefined;
  upstreamUsage: ProviderUsage | undefined;
}

export interface ProducerContext {
  store: StreamStore;
  records: GenerationStore;
  state: ProducerState;
  signal: AbortSignal;
  guardrails: GuardrailSession;
  /** The same policy's guardrails, run separately over the reasoning text. */
  reasoningGuardrails: GuardrailSession;
  toolCalls: ToolCallRelay;
  audit: AuditTrail;
  observability: GatewayObservability;
  providerSpan: ProviderSpan | undefined;
  /** The tenant's and key's token budget, spent as tokens stream. */
  tokens: TokenBudget;
  holdback: HoldbackClock;
}

export async function appendEvent(context: ProducerContext, event: GenerationEvent): Promise<void> {
  await context.store.append(context.state.streamPath, [encodeEvent(event)]);
}

interface Block {
  rule: string;
  kind: GuardrailBlockKind;
}

/**
 * When each raw character arrived, kept as (end of delta, arrival time) pairs so the
 * holdback delay of released text can be measured without a record per character.
 */
export class HoldbackClock {
  #received = 0;
  #released = 0;
  readonly #ends: number[] = [];
  readonly #times: number[] = [];
  #head = 0;

  received(length: number, now: number): void {
    this.#received += length;
    this.#ends.push(this.#received);
    this.#times.push(now);
  }

  /** Given what is still held, returns how long the first newly released character waited. */
  released(stillHeld: number, now: number): number | undefined {
    const releasedTo = this.#received - stillHeld;
    if (releasedTo <= this.#released) return undefined;
    while (this.#head < this.#ends.length && (this.#ends[this.#head] ?? 0) <= this.#released) {
      this.#head += 1;
    }
    const waited = now - (this.#times[this.#head] ?? now);
    this.#released = releasedTo;
    if (this.#head > 1024) {
      this.#ends.splice(0, this.#head);
      this.#times.splice(0, this.#head);
      this.#head = 0;
    }
    return waited;
  }
}

function tally(counts: Map<string, number>, found: readonly RedactionCount[]): void {
  for (const { kind, count } of found) counts.set(kind, (counts.get(kind) ?? 0) + count);
}

function blockOf(output: GuardrailOutput): Block | undefined {
  if (output.blocked) return { rule: output.blocked.rule, kind: output.blocked.kind };
  if (output.overflow === 'failed-closed') {
    return { rule: 'holdback-limit', kind: 'holdback-overflow' };
  }
  return undefined;
}

/** Appends released text and tallies redactions; returns the block the output carries. */
async function release(
  context: ProducerContext,
  output: GuardrailOutput,
): Promise<Block | undefined> {
  const { state } = context;
  tally(state.redactions, output.redactions);
  if (output.text.length > 0) {
    state.firstTokenAt ??= performance.now();
    state.text += output.text;
    // The store directly, not through appendEvent: one async frame fewer per token.
    await context.store.append(state.streamPath, [
      encodeEvent({ type: 'text-delta', delta: output.text }),
    ]);
  }
  return blockOf(output);
}

/** Appends released reasoning, as `release` does for text. */
async function releaseReasoning(
  context: ProducerContext,
  output: GuardrailOutput,
): Promise<Block | undefined> {
  const { state } = context;
  tally(state.redactions, output.redactions);
  if (output.text.length > 0) {
    state.firstTokenAt ??= performance.now();
    state.reasoning += output.text;
    await context.store.append(state.streamPath, [
      encodeEvent({ type: 'reasoning-delta', delta: output.text }),
    ]);
  }
  return blockOf(output);
}

/** Appends a tool-call step's events and records what the step found and completed. */
async function releaseToolCallStep(
  context: ProducerContext,
  step: ToolCallStep,
): Promise<Block | undefined> {
  const { state } = context;
  tally(state.toolArgumentFindings, step.redactions);
  tally(state.toolArgumentFindings, step.detections);
  if (step.blocked) return { rule: step.blocked.rule, kind: step.blocked.kind };
  if (step.events.length > 0) {
    state.firstTokenAt ??= performance.now();
    await context.store.append(
      state.streamPath,
      step.events.map((event) => encodeEvent(event)),
    );
  }
  if (step.completed) state.toolCalls.push(step.completed);
  return undefined;
}

/** Releases what the guardrails still hold (the text is complete as far as it goes). */
async function flush(context: ProducerContext): Promise<Block | undefined> {
  const reasoning = context.reasoningGuardrails.closed
    ? undefined
    : await releaseReasoning(context, context.reasoningGuardrails.end());
  if (reasoning) return reasoning;
  if (context.guardrails.closed) return undefined;
  return release(context, context.guardrails.end());
}

/** Counts one streamed token against the budget; the exceeded quota when it ran out. */
async function meter(context: ProducerContext): Promise<TokenQuotaExceeded | undefined> {
  let consumption = context.tokens.consume(1);
  if (consumption.pending) consumption = await consumption.pending;
  return consumption.allowed ? undefined : consumption.exceeded;
}

function firstPart(context: ProducerContext): void {
  context.state.upstreamFirstPartAt = performance.now();
  context.providerSpan?.firstChunk();
}

/** Pumps model parts into the log; never rejects. */
export async function pumpModelStream(
  context: ProducerContext,
  parts: AsyncIterable<LanguageModelStreamPart>,
): Promise<void> {
  let finish: { finishReason: FinishReason; usage: ProviderUsage } | undefined;
  let outputCount = 0;
  let reasoningCount = 0;
  let block: Block | undefined;
  let quota: TokenQuotaExceeded | undefined;
  try {
    for await (const part of parts) {
      switch (part.type) {
        case 'text-delta': {
          if (part.delta.length === 0) continue;
          if (outputCount === 0) firstPart(context);
          // Tokens are paid for as they stream: a budget that runs out cuts the answer here.
          quota = await meter(context);
          if (quota) break;
          outputCount += 1;
          const arrived = performance.now();
          context.holdback.received(part.delta.length, arrived);
          const output = context.guardrails.push(part.delta);
          if (output.text.length > 0) {
            const waited = context.holdback.released(context.guardrails.holdbackChars, arrived);
            if (waited !== undefined) context.observability.metrics.holdbackDelay(waited);
          }
          block = await release(context, output);
          break;
        }
        case 'reasoning-delta': {
          if (part.delta.length === 0) continue;
          if (outputCount === 0) firstPart(context);
          quota = await meter(context);
          if (quota) break;
          outputCount += 1;
          reasoningCount += 1;
          block = await releaseReasoning(context, context.reasoningGuardrails.push(part.delta));
          break;
        }
        case 'tool-call-start':
          if (outputCount === 0) firstPart(context);
          block = await releaseToolCallStep(context, context.toolCalls.start(part));
          break;
        case 'tool-call-delta': {
          if (part.argumentsDelta.length === 0) continue;
          quota = await meter(context);
          if (quota) break;
          outputCount += 1;
          block = await releaseToolCallStep(context, context.toolCalls.delta(part));
          break;
        }
        case 'tool-call-end':
          block = await releaseToolCallStep(context, context.toolCalls.end(part));
          break;
        case 'finish': {
          const open = context.toolCalls.unfinished();
          if (open.length > 0) {
            throw malformedChunkError(`finished with tool call ${open[0]} unfinished`);
          }
          finish = { finishReason: part.finishReason, usage: part.usage };
          context.state.upstreamUsage = part.usage;
          break;
        }
        case 'model-switch':
          await appendEvent(context, {
            type: 'response-seam',
            from: part.from,
            to: part.to,
            reason: part.reason,
            afterCharacters: part.afterCharacters,
          });
          break;
        default:
          break;
      }
      // Leaving the loop closes the upstream request.
      if (quota || block || context.signal.aborted) break;
    }
    // A cancelled generation ends as cancelled: its held text is released below, but a
    // rule judged at the end of the text no longer turns it into a block.
    if (!context.signal.aborted) block ??= await flush(context);
  } catch (error) {
    context.state.upstreamEndedAt = performance.now();
    if (!context.signal.aborted) {
      await flush(context).catch(() => undefined);
      await endGeneration(context, failure(error), { outputTokens: outputCount });
      return;
    }
  }
  context.state.upstreamEndedAt ??= performance.now();
  if (quota) {
    await stopForQuota(context, quota, outputCount);
  } else if (block) {
    await blockGeneration(context, block, outputCount);
  } else if (context.signal.aborted) {
    await flush(context).catch(() => undefined);
    await endGeneration(context, stopped(context.state.stopCause), { outputTokens: outputCount });
  } else if (finish) {
    await endGeneration(
      context,
      { kind: 'finish', status: 'finished', finishReason: finish.finishReason },
      {
        inputTokens: finish.usage.inputTokens,
        outputTokens: finish.usage.outputTokens ?? outputCount,
        reasoningTokens:
          finish.usage.reasoningTokens ?? (reasoningCount > 0 ? reasoningCount : undefined),
        cachedInputTokens: finish.usage.cachedInputTokens,
      },
    );
  } else {
    const truncated = new ProviderError({
      code: 'SLUICE_ERR_STREAM_TRUNCATED',
      message: 'The upstream stream ended without a finish reason',
      retryable: true,
    });
    await endGeneration(context, failure(truncated), { outputTokens: outputCount });
  }
}

async function stopForQuota(
  context: ProducerContext,
  exceeded: TokenQuotaExceeded,
  outputCount: number,
): Promise<void> {
  // What the guardrails hold was already paid for: release it before stopping.
  const block = await flush(context).catch(() => undefined);
  if (block) {
    await blockGeneration(context, block, outputCount);
    return;
  }
  await appendEvent(context, {
    type: 'quota-exceeded',
    limit: exceeded.limit,
    scope: exceeded.scope,
    retryAfterMs: exceeded.retryAfterMs,
  });
  await endGeneration(
    context,
    { kind: 'finish', status: 'finished', finishReason: 'quota' },
    { outputTokens: outputCount },
  );
}

async function blockGeneration(
  context: ProducerContext,
  block: Block,
  outputCount: number,
): Promise<void> {
  const { state } = context;
  if (state.status !== 'running') return;
  context.audit.record({
    type: 'generation-blocked',
    generationId: state.id,
    ...auditSubject(state),
    payload: { rule: block.rule, reason: block.kind },
  });
  await appendEvent(context, { type: 'guardrail-block', rule: block.rule, kind: block.kind });
  await endGeneration(
    context,
    { kind: 'finish', status: 'finished', finishReason: 'content-filter' },
    { outputTokens: outputCount },
  );
}

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

/**
 * Appends the one terminal event. Guarded by status so a race between cancel and a
 * natural finish still yields a single terminal event. The log stays open for the
 * finalizer's verdict.
 */
export async function endGeneration(
  context: ProducerContext,
  ending: Ending,
  usage: {
    inputTokens?: number | undefined;
    outputTokens: number;
    reasoningTokens?: number | undefined;
    cachedInputTokens?: number | undefined;
  },
): Promise<void> {
  const { state } = context;
  if (state.status !== 'running') return;
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
  // The record first, with compare-and-set: only the writer that moves it off `running`
  // appends the terminal event, so a generation never gets two.
  let recorded = true;
  try {
    const patch: GenerationRecordPatch = {
      status: state.status,
      usage: finalUsage,
      timings,
      text: state.text,
      reasoning: state.reasoning,
      toolCalls: state.toolCalls,
    };
    if (state.finishReason !== undefined) patch.finishReason = state.finishReason;
    if (state.error !== undefined) patch.error = state.error;
    if (state.stopCause !== undefined) patch.stopCause = state.stopCause;
    recorded =
      (await context.records.update(state.id, patch, { ifStatus: 'running' })) !== undefined;
  } catch (error) {
    // The record store failed: readers must still learn the outcome from the log.
    context.observability.internalFailure('generation-record', error);
  }
  if (recorded) {
    try {
      await appendEvent(context, terminal);
    } catch (error) {
      // The log is gone (deleted or expired); the record still tells the outcome.
      context.observability.internalFailure('stream-log', error);
    }
  }
  context.observability.generationEnded(summaryOf(state, now));
  context.providerSpan?.end({
    finishReason: state.finishReason,
    inputTokens: finalUsage.inputTokens,
    outputTokens: finalUsage.outputTokens,
    reasoningTokens: finalUsage.reasoningTokens,
    toolNames: [...new Set(state.toolCalls.map((call) => call.toolName))],
    errorType: state.error?.code,
  });
}

function summaryOf(state: ProducerState, endedAt: number): GenerationSummary {
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
    toolCalls: state.toolCalls.length,
    redactions: state.redactions,
  };
}

function roundMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}
