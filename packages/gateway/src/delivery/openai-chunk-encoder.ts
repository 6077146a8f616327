/**
 * Generation events as OpenAI Chat Completions `chat.completion.chunk` frames (sent as
 * SSE `data:` lines): role chunk, content, `reasoning_content` and `tool_calls` chunks,
 * finish chunk, optional usage chunk, `[DONE]`. What the official `openai` SDK parses and
 * assembles (its `finalChatCompletion()` and `runTools` included).
 *
 * Per-token events are read with the protocol codec's accessors: their text goes into the
 * chunk as the JSON string literal the log already holds, with no parse and no stringify
 * per token. A message in any other layout is decoded, so the log's bytes are an
 * optimisation, never a requirement.
 */
import {
  canonicalEventType,
  decodeGenerationEvent,
  type FinishReason,
  type GenerationEvent,
  reasoningDeltaLiteral,
  textDeltaLiteral,
  toolCallDeltaLiterals,
  type Usage,
} from '@sluice/protocol';
import type { ReadBatch } from '../store/stream-store.ts';
import { deliveryFailureEvent } from './delivery-failure-event.ts';
import type { EventFrame, FrameEncoder } from './frame.ts';

export function openAiFinishReason(reason: FinishReason | undefined): string {
  switch (reason) {
    case 'length':
    case 'quota':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** OpenAI's usage object; the details appear only when the provider reported them. */
export function openAiUsage(usage: Usage): OpenAiUsage {
  const openAi: OpenAiUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cachedInputTokens !== undefined) {
    openAi.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens };
  }
  if (usage.reasoningTokens !== undefined) {
    openAi.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  }
  return openAi;
}

export function chatCompletionId(generationId: string): string {
  return `chatcmpl-${generationId}`;
}

export interface ChunkEncoderOptions {
  generationId: string;
  model: string;
  created: number;
  includeUsage: boolean;
}

const DONE: EventFrame = { data: '[DONE]' };
/** Event types that produce no OpenAI chunk (see the default case of `#encodeEvent`). */
const SILENT_EVENT_TYPES: ReadonlySet<string> = new Set([
  'tool-call-end',
  'response-final',
  'response-retract',
  'guardrail-block',
  'quota-exceeded',
  'response-seam',
  'review-decision',
]);

const decoder = new TextDecoder();

/** One encoder per response: it knows the chat completion's id, model and end. */
export class OpenAiChunkEncoder implements FrameEncoder<EventFrame> {
  readonly #options: ChunkEncoderOptions;
  readonly #id: string;
  /** A chunk up to its delta object, and what follows the delta: built once. */
  readonly #deltaPrefix: string;
  readonly #deltaSuffix = ',"logprobs":null,"finish_reason":null}]}';
  #complete = false;

  constructor(options: ChunkEncoderOptions) {
    this.#options = options;
    this.#id = chatCompletionId(options.generationId);
    // Field for field what #chunk serializes, so both paths give the same bytes.
    this.#deltaPrefix =
      `{"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk",` +
      `"created":${JSON.stringify(options.created)},"model":${JSON.stringify(options.model)},` +
      '"system_fingerprint":null,"choices":[{"index":0,"delta":';
  }

  encode(batch: ReadBatch): EventFrame[] {
    const frames: EventFrame[] = [];
    for (const message of batch.messages) {
      if (this.#complete) break;
      const json = decoder.decode(message.data);
      const fast = this.#encodeInPlace(json);
      if (fast !== undefined) frames.push(fast);
      // Events OpenAI clients never see (a call's end repeats its whole arguments) are
      // recognised by their type, read in place, and not parsed at all.
      else if (!SILENT_EVENT_TYPES.has(canonicalEventType(json) ?? '')) {
        this.#encodeEvent(decodeGenerationEvent(json), frames);
      }
    }
    return frames;
  }

  /** A read that failed mid-stream: the error chunk the SDK raises, unless the stream ended. */
  encodeFailure(error: unknown): EventFrame[] {
    if (this.#complete) return [];
    return this.encodeEvent(deliveryFailureEvent(error));
  }

  /** True once `[DONE]` or an error frame was produced: the OpenAI stream is over. */
  isComplete(): boolean {
    return this.#complete;
  }

  /** The frames for one decoded event (the general path, and the reference in tests). */
  encodeEvent(event: GenerationEvent): EventFrame[] {
    const frames: EventFrame[] = [];
    this.#encodeEvent(event, frames);
    return frames;
  }

  #encodeEvent(event: GenerationEvent, frames: EventFrame[]): void {
    switch (event.type) {
      case 'response-start':
        frames.push(this.#chunk({ role: 'assistant', content: '' }, null));
        return;
      case 'text-delta':
        frames.push(this.#chunk({ content: event.delta }, null));
        return;
      case 'reasoning-delta':
        frames.push(this.#chunk({ reasoning_content: event.delta }, null));
        return;
      case 'tool-call-start':
        frames.push(
          this.#chunk(
            {
              tool_calls: [
                {
                  index: event.index,
                  id: event.toolCallId,
                  type: 'function',
                  function: { name: event.toolName, arguments: '' },
                },
              ],
            },
            null,
          ),
        );
        return;
      case 'tool-call-delta':
        frames.push(
          this.#chunk(
            { tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] },
            null,
          ),
        );
        return;
      case 'response-finish':
        frames.push(this.#chunk({}, openAiFinishReason(event.finishReason)));
        if (this.#options.includeUsage) frames.push(this.#usageChunk(event.usage));
        frames.push(DONE);
        this.#complete = true;
        return;
      case 'response-error':
        // The OpenAI SDK raises an APIError for a chunk carrying `error`.
        frames.push({
          data: JSON.stringify({
            error: { message: event.message, type: 'server_error', code: event.code },
          }),
        });
        this.#complete = true;
        return;
      default:
        // Nothing else has an OpenAI shape: a call's end (clients assemble calls from the
        // deltas), verdicts, retractions and the other governance events.
        return;
    }
  }

  /** The chunk for a per-token event in the canonical layout; undefined otherwise. */
  #encodeInPlace(json: string): EventFrame | undefined {
    const text = textDeltaLiteral(json);
    if (text !== undefined) return this.#deltaChunk(`{"content":${text}}`);
    const call = toolCallDeltaLiterals(json);
    if (call !== undefined) {
      return this.#deltaChunk(
        `{"tool_calls":[{"index":${call.index},"function":{"arguments":${call.argumentsDelta}}}]}`,
      );
    }
    const reasoning = reasoningDeltaLiteral(json);
    if (reasoning !== undefined) return this.#deltaChunk(`{"reasoning_content":${reasoning}}`);
    return undefined;
  }

  #deltaChunk(delta: string): EventFrame {
    return { data: `${this.#deltaPrefix}${delta}${this.#deltaSuffix}` };
  }

  #chunk(delta: Record<string, unknown>, finishReason: string | null): EventFrame {
    return {
      data: JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#options.created,
        model: this.#options.model,
        system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      }),
    };
  }

  #usageChunk(usage: Usage): EventFrame {
    return {
      data: JSON.stringify({
        id: this.#id,
        object: 'chat.completion.chunk',
        created: this.#options.created,
        model: this.#options.model,
        system_fingerprint: null,
        choices: [],
        usage: openAiUsage(usage),
      }),
    };
  }
}
