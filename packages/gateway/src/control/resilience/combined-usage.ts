/**
 * Usage of an answer that several models wrote. Providers report usage only when a stream
 * finishes, so a model that failed mid-stream never reports: its output counts as the deltas
 * it delivered (text, reasoning and tool-call argument fragments: the same fallback the
 * producer uses), its reasoning as its reasoning deltas, and its input as an estimate of the
 * prompt it was sent (about four characters per token, like the simulator's). The model that
 * finished adds what it reported; cached input tokens can only come from its report. A
 * single-model answer passes its usage through untouched, optional fields included.
 */
import { messageCharacters } from '@sluice/protocol';
import type { ChatMessage, ProviderUsage } from '../../providers/language-model.ts';

/** What one model delivered of the answer, counted by the relay. */
export interface SegmentDeltas {
  /** Every delta: text, reasoning and tool-call argument fragments. */
  output: number;
  reasoning: number;
}

export class CombinedUsage {
  #failedInputTokens = 0;
  #failedOutputTokens = 0;
  #failedReasoningTokens = 0;
  #failedSegments = 0;

  /** Records a model that delivered `deltas` and then failed. */
  addFailedSegment(deltas: SegmentDeltas, messages: readonly ChatMessage[]): void {
    this.#failedSegments += 1;
    this.#failedOutputTokens += deltas.output;
    this.#failedReasoningTokens += deltas.reasoning;
    this.#failedInputTokens += estimateTokens(messages);
  }

  /** The answer's usage, given what the finishing model reported. */
  finish(
    reported: ProviderUsage,
    deltas: SegmentDeltas,
    messages: readonly ChatMessage[],
  ): ProviderUsage {
    if (this.#failedSegments === 0) return reported;
    const usage: ProviderUsage = {
      inputTokens: this.#failedInputTokens + (reported.inputTokens ?? estimateTokens(messages)),
      outputTokens: this.#failedOutputTokens + (reported.outputTokens ?? deltas.output),
    };
    // Without a reported output figure the finishing model's deltas stand in for it, reasoning
    // included; with one, missing reasoning means the upstream does not break it out.
    const finishedReasoning =
      reported.reasoningTokens ?? (reported.outputTokens === undefined ? deltas.reasoning : 0);
    const reasoningTokens = this.#failedReasoningTokens + finishedReasoning;
    if (reasoningTokens > 0) usage.reasoningTokens = reasoningTokens;
    if (reported.cachedInputTokens !== undefined) {
      usage.cachedInputTokens = reported.cachedInputTokens;
    }
    return usage;
  }
}

function estimateTokens(messages: readonly ChatMessage[]): number {
  let characters = 0;
  for (const message of messages) characters += messageCharacters(message);
  return Math.ceil(characters / 4);
}
