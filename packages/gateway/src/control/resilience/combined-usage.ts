/**
 * Usage of an answer that several models wrote. Providers report usage only when a stream
 * finishes, so a model that failed mid-stream never reports: its output counts as the deltas
 * it delivered (the same fallback the producer uses) and its input as an estimate of the
 * prompt it was sent (about four characters per token, like the simulator's). The model that
 * finished adds what it reported. A single-model answer passes its usage through untouched.
 */
import type { ChatMessage, ProviderUsage } from '../../providers/language-model.ts';

export class CombinedUsage {
  #failedInputTokens = 0;
  #failedOutputTokens = 0;
  #failedSegments = 0;

  /** Records a model that delivered `deltas` text deltas and then failed. */
  addFailedSegment(deltas: number, messages: readonly ChatMessage[]): void {
    this.#failedSegments += 1;
    this.#failedOutputTokens += deltas;
    this.#failedInputTokens += estimateTokens(messages);
  }

  /** The answer's usage, given what the finishing model reported. */
  finish(reported: ProviderUsage, deltas: number, messages: readonly ChatMessage[]): ProviderUsage {
    if (this.#failedSegments === 0) return reported;
    return {
      inputTokens: this.#failedInputTokens + (reported.inputTokens ?? estimateTokens(messages)),
      outputTokens: this.#failedOutputTokens + (reported.outputTokens ?? deltas),
    };
  }
}

function estimateTokens(messages: readonly ChatMessage[]): number {
  let characters = 0;
  for (const message of messages) characters += message.content.length;
  return Math.ceil(characters / 4);
}
