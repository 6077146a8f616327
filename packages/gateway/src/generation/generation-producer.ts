/**
 * The producer of one generation: pulls parts from the model, appends events to the
 * stream log, and ends the generation exactly once with one terminal event. Nothing
 * per token beyond the event itself: one JSON encode and one append.
 */
import type {
  FinishReason,
  GenerationEvent,
  GenerationStatus,
  TerminalEvent,
  Usage,
} from '@sluice/protocol';
import {
  type LanguageModelStreamPart,
  ProviderError,
  type ProviderUsage,
} from '../providers/language-model.ts';
import type { StreamStore } from '../store/stream-store.ts';
import type { Generation, GenerationError, StopCause } from './generation.ts';

export function encodeEvent(event: GenerationEvent): Uint8Array {
  return Buffer.from(JSON.stringify(event));
}

/** The mutable side of a generation, held only by its producer and service. */
export interface ProducerState extends Generation {
  status: GenerationStatus;
  stopCause: StopCause | undefined;
  /** performance.now() when the request was accepted. */
  readonly startedAt: number;
  firstTokenAt: number | undefined;
  inputTokenEstimate: number;
}

export interface ProducerContext {
  store: StreamStore;
  state: ProducerState;
  signal: AbortSignal;
}

export async function appendEvent(context: ProducerContext, event: GenerationEvent): Promise<void> {
  await context.store.append(context.state.streamPath, [encodeEvent(event)]);
}

/** Pumps model parts into the log; never rejects. */
export async function pumpModelStream(
  context: ProducerContext,
  parts: AsyncIterable<LanguageModelStreamPart>,
): Promise<void> {
  const { state } = context;
  let finish: { finishReason: FinishReason; usage: ProviderUsage } | undefined;
  let outputCount = 0;
  try {
    for await (const part of parts) {
      if (part.type === 'text-delta') {
        if (part.delta.length === 0) continue;
        state.firstTokenAt ??= performance.now();
        state.text += part.delta;
        outputCount += 1;
        await appendEvent(context, { type: 'text-delta', delta: part.delta });
      } else if (part.type === 'finish') {
        finish = { finishReason: part.finishReason, usage: part.usage };
      }
      if (context.signal.aborted) break;
    }
  } catch (error) {
    if (!context.signal.aborted) {
      await endGeneration(context, failure(error), { outputTokens: outputCount });
      return;
    }
  }
  if (context.signal.aborted) {
    await endGeneration(context, stopped(state.stopCause), { outputTokens: outputCount });
  } else if (finish) {
    await endGeneration(
      context,
      { kind: 'finish', status: 'finished', finishReason: finish.finishReason },
      {
        inputTokens: finish.usage.inputTokens,
        outputTokens: finish.usage.outputTokens ?? outputCount,
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

export type Ending =
  | { kind: 'finish'; status: GenerationStatus; finishReason: FinishReason }
  | { kind: 'error'; error: GenerationError };

export function stopped(cause: StopCause | undefined): Ending {
  const reason = cause ?? 'cancelled';
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
 * Appends the one terminal event and closes the log. Guarded by status so a race
 * between cancel and a natural finish still yields a single terminal event.
 */
export async function endGeneration(
  context: ProducerContext,
  ending: Ending,
  usage: { inputTokens?: number | undefined; outputTokens: number },
): Promise<void> {
  const { state } = context;
  if (state.status !== 'running') return;
  const now = performance.now();
  const finalUsage: Usage = {
    inputTokens: usage.inputTokens ?? state.inputTokenEstimate,
    outputTokens: usage.outputTokens,
  };
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
  try {
    await context.store.append(state.streamPath, [encodeEvent(terminal)], { close: true });
  } catch {
    // The log is gone (deleted or expired); the in-memory record still tells the outcome.
  }
}

function roundMs(value: number): number {
  return Math.round(value * 1000) / 1000;
}
