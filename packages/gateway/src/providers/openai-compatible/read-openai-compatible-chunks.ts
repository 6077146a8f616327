/**
 * Turns validated `chat.completion.chunk`s of one answer into Sluice parts, keeping what spans
 * chunks: whether metadata went out, the open tool calls, the finish reason and the usage
 * (which compatible servers send in a chunk of its own after the one with `finish_reason`).
 * It appends to a caller-owned array instead of being a generator, so the provider's read
 * loop pays no extra promise hop per token.
 */
import type {
  LanguageModelStreamPart,
  ProviderFinishReason,
  ProviderUsage,
} from '../language-model.ts';
import { mapOpenAICompatibleFinishReason } from './map-openai-compatible-finish-reason.ts';
import type { OpenAICompatibleChunk } from './openai-compatible-api-types.ts';
import { OpenAICompatibleToolCalls } from './openai-compatible-tool-calls.ts';

export class OpenAICompatibleChunkReader {
  readonly #toolCalls = new OpenAICompatibleToolCalls();
  readonly #usage: ProviderUsage = { inputTokens: undefined, outputTokens: undefined };
  #metadataSent = false;
  #finishReason: string | undefined;
  #refused = false;

  /** True once the relayed choice reported why it finished. */
  get finished(): boolean {
    return this.#finishReason !== undefined;
  }

  /** Appends the parts `chunk` carries to `parts`. */
  read(chunk: OpenAICompatibleChunk, parts: LanguageModelStreamPart[]): void {
    if (!this.#metadataSent) {
      this.#metadataSent = true;
      parts.push({
        type: 'response-metadata',
        ...(chunk.id == null ? {} : { id: chunk.id }),
        ...(chunk.model == null ? {} : { modelId: chunk.model }),
      });
    }
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue; // only the first candidate is relayed
      const delta = choice.delta;
      if (delta != null) {
        // vLLM in transition sends both names with the same text: one is relayed.
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning != null && reasoning !== '') {
          parts.push({ type: 'reasoning-delta', delta: reasoning });
        }
        if (delta.content != null && delta.content !== '') {
          parts.push({ type: 'text-delta', delta: delta.content });
        }
        // A refusal (structured outputs) is what the user should read: relayed as text, and
        // the turn finishes `content-filter` so the application knows it is no answer.
        if (delta.refusal != null && delta.refusal !== '') {
          this.#refused = true;
          parts.push({ type: 'text-delta', delta: delta.refusal });
        }
        if (delta.tool_calls != null) this.#toolCalls.read(delta.tool_calls, parts);
      }
      if (choice.finish_reason != null) {
        this.#finishReason = choice.finish_reason;
        this.#toolCalls.end(parts);
      }
    }
    if (chunk.usage != null) this.#readUsage(chunk.usage);
  }

  /** Appends the end of any call still open and the finish part. */
  finish(parts: LanguageModelStreamPart[]): void {
    this.#toolCalls.end(parts);
    parts.push({ type: 'finish', finishReason: this.#mappedFinishReason(), usage: this.#usage });
  }

  #mappedFinishReason(): ProviderFinishReason {
    if (this.#refused) return 'content-filter';
    // `[DONE]` with no finish_reason is still the server saying the answer is complete.
    if (this.#finishReason === undefined) return this.#toolCalls.count > 0 ? 'tool-calls' : 'stop';
    const mapped = mapOpenAICompatibleFinishReason(this.#finishReason);
    // OpenAI (when `tool_choice` names a function) and vLLM end a turn that called tools with
    // `stop`; the caller still has calls to run, which is what `tool-calls` tells it.
    return mapped === 'stop' && this.#toolCalls.count > 0 ? 'tool-calls' : mapped;
  }

  #readUsage(usage: NonNullable<OpenAICompatibleChunk['usage']>): void {
    this.#usage.inputTokens = usage.prompt_tokens ?? undefined;
    this.#usage.outputTokens = usage.completion_tokens ?? undefined;
    const reasoningTokens = usage.completion_tokens_details?.reasoning_tokens;
    if (reasoningTokens != null) this.#usage.reasoningTokens = reasoningTokens;
    const cachedInputTokens = usage.prompt_tokens_details?.cached_tokens;
    if (cachedInputTokens != null) this.#usage.cachedInputTokens = cachedInputTokens;
  }
}
