/**
 * Releasing content from the producer's stages to the log: each released piece updates the
 * released content (running hash, first-token time) and is queued on the coalescing
 * appender as one encoded event. The queue answers with a promise only when the producer
 * must wait for the store.
 */
import { encodeGenerationEvent, type GenerationEvent } from '@sluice/protocol';
import type { ProducerContext } from './producer-state.ts';
import type { Block } from './stages/guardrail-stage.ts';
import type { ToolCallStep } from './stages/tool-call-relay.ts';

export function encodeEvent(event: GenerationEvent): Uint8Array {
  return Buffer.from(encodeGenerationEvent(event));
}

/** Queues an event for the log; a promise only when the producer must wait for the store. */
export function pushEvent(
  context: ProducerContext,
  event: GenerationEvent,
): Promise<void> | undefined {
  return context.appender.push(encodeEvent(event));
}

function released(context: ProducerContext): void {
  context.state.firstTokenAt ??= performance.now();
}

export function releaseText(context: ProducerContext, text: string): Promise<void> | undefined {
  released(context);
  context.content.addText(text);
  return pushEvent(context, { type: 'text-delta', delta: text });
}

export function releaseReasoning(
  context: ProducerContext,
  text: string,
): Promise<void> | undefined {
  released(context);
  context.content.addReasoning(text);
  return pushEvent(context, { type: 'reasoning-delta', delta: text });
}

/** Releases a tool-call step's events; returns its block, if the policy blocked it. */
export async function releaseToolCallStep(
  context: ProducerContext,
  step: ToolCallStep,
): Promise<Block | undefined> {
  const findings = context.state.toolArgumentFindings;
  const detections = step.detections instanceof Promise ? await step.detections : step.detections;
  for (const { kind, count } of [...step.redactions, ...detections]) {
    findings.set(kind, (findings.get(kind) ?? 0) + count);
  }
  if (step.blocked) return { rule: step.blocked.rule, kind: step.blocked.kind };
  if (step.events.length > 0) released(context);
  for (const event of step.events) {
    const wait = pushEvent(context, event);
    if (wait) await wait;
  }
  if (step.completed) context.content.addToolCall(step.completed);
  return undefined;
}

/** Releases what the guardrails still hold (the channels are complete as far as they go). */
export async function releaseHeld(context: ProducerContext): Promise<Block | undefined> {
  const reasoning = context.reasoning.end();
  if (reasoning.text !== '') await releaseReasoning(context, reasoning.text);
  if (reasoning.block) return reasoning.block;
  const text = context.text.end();
  if (text.text !== '') await releaseText(context, text.text);
  return text.block;
}

/**
 * Releases what is held when the generation stops early (failure or cancel): the answer so
 * far stays whole. A log that fails now is reported; the terminal event still follows.
 */
export async function releaseHeldAtFailure(context: ProducerContext): Promise<void> {
  try {
    await releaseHeld(context);
  } catch (error) {
    context.observability.internalFailure('stream-log', error);
  }
}
