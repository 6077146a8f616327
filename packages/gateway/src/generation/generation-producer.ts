/**
 * The producer of one generation: pulls parts from the model and composes the stages in
 * one visible place — token metering, the guardrails of the text and reasoning channels,
 * the tool-call stage, the released content (running hash) and the coalescing appender —
 * then ends the generation exactly once with one terminal event. Per token: one metering
 * call, one guardrail push, and when something is released one JSON encode and one queue
 * push (no await unless the store falls behind).
 */
import { setImmediate } from 'node:timers/promises';
import type { FinishReason } from '@sluice/protocol';
import type { TokenQuotaExceeded } from '../control/quotas/token-budget.ts';
import {
  type LanguageModelStreamPart,
  ProviderError,
  type ProviderUsage,
} from '../providers/language-model.ts';
import { malformedChunkError } from '../providers/shared/upstream-errors.ts';
import {
  blockGeneration,
  endGeneration,
  failure,
  stopForQuota,
  stopped,
} from './producer-endings.ts';
import {
  pushEvent,
  releaseHeld,
  releaseHeldAtFailure,
  releaseReasoning,
  releaseText,
  releaseToolCallStep,
} from './producer-release.ts';
import type { ProducerContext } from './producer-state.ts';
import type { Block, GuardrailStage } from './stages/guardrail-stage.ts';

/**
 * Deltas longer than this go through the guardrails a slice per event-loop turn: a model
 * that sends one huge delta must not hold the loop every other stream shares while every
 * detector runs over it. Ordinary tokens are far shorter and take the direct path.
 */
export const GUARDRAIL_SLICE_CHARS = 4096;

async function pushInSlices(
  stage: GuardrailStage,
  delta: string,
  release: (text: string) => Promise<void> | undefined,
): Promise<Block | undefined> {
  let start = 0;
  while (start < delta.length) {
    let end = Math.min(start + GUARDRAIL_SLICE_CHARS, delta.length);
    // Never cut a surrogate pair: its halves are one character to every detector.
    const last = delta.charCodeAt(end - 1);
    if (end < delta.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    const output = stage.push(delta.slice(start, end));
    if (output.text !== '') {
      const wait = release(output.text);
      if (wait) await wait;
    }
    if (output.block) return output.block;
    start = end;
    if (start < delta.length) await setImmediate();
  }
  return undefined;
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
  let reasoningCount = 0;
  let block: Block | undefined;
  let quota: TokenQuotaExceeded | undefined;
  try {
    for await (const part of parts) {
      switch (part.type) {
        case 'text-delta': {
          if (part.delta.length === 0) continue;
          if (context.state.upstreamFirstPartAt === undefined) firstPart(context);
          // Tokens are paid for as they stream: a budget that runs out cuts the answer here.
          const metered = context.metering.consume();
          quota = metered instanceof Promise ? await metered : metered;
          if (quota) break;
          if (part.delta.length > GUARDRAIL_SLICE_CHARS) {
            block = await pushInSlices(context.text, part.delta, (text) =>
              releaseText(context, text),
            );
            break;
          }
          const output = context.text.push(part.delta);
          if (output.text !== '') {
            const wait = releaseText(context, output.text);
            if (wait) await wait;
          }
          block = output.block;
          break;
        }
        case 'reasoning-delta': {
          if (part.delta.length === 0) continue;
          if (context.state.upstreamFirstPartAt === undefined) firstPart(context);
          const metered = context.metering.consume();
          quota = metered instanceof Promise ? await metered : metered;
          if (quota) break;
          reasoningCount += 1;
          if (part.delta.length > GUARDRAIL_SLICE_CHARS) {
            block = await pushInSlices(context.reasoning, part.delta, (text) =>
              releaseReasoning(context, text),
            );
            break;
          }
          const output = context.reasoning.push(part.delta);
          if (output.text !== '') {
            const wait = releaseReasoning(context, output.text);
            if (wait) await wait;
          }
          block = output.block;
          break;
        }
        case 'tool-call-start':
          if (context.state.upstreamFirstPartAt === undefined) firstPart(context);
          block = await releaseToolCallStep(context, context.toolCalls.start(part));
          break;
        case 'tool-call-delta': {
          if (part.argumentsDelta.length === 0) continue;
          const metered = context.metering.consume();
          quota = metered instanceof Promise ? await metered : metered;
          if (quota) break;
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
          await pushEvent(context, {
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
    if (!context.signal.aborted && !quota) block ??= await releaseHeld(context);
  } catch (error) {
    context.state.upstreamEndedAt = performance.now();
    if (!context.signal.aborted) {
      await releaseHeldAtFailure(context);
      await endGeneration(context, failure(error), { outputTokens: context.metering.count });
      return;
    }
  }
  context.state.upstreamEndedAt ??= performance.now();
  const outputTokens = context.metering.count;
  if (quota) {
    await stopForQuota(context, quota);
  } else if (block) {
    await blockGeneration(context, block);
  } else if (context.signal.aborted) {
    // A producer that lost its lease writes nothing more; the node that took over ends it.
    if (!context.state.leaseLost) await releaseHeldAtFailure(context);
    await endGeneration(context, stopped(context.state.stopCause), { outputTokens });
  } else if (finish) {
    await endGeneration(
      context,
      { kind: 'finish', status: 'finished', finishReason: finish.finishReason },
      {
        inputTokens: finish.usage.inputTokens,
        outputTokens: finish.usage.outputTokens ?? outputTokens,
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
    await endGeneration(context, failure(truncated), { outputTokens });
  }
}
