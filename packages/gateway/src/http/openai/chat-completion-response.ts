/**
 * A finished generation as OpenAI's non-streaming `chat.completion` object: the text,
 * the tool calls in OpenAI's shape, the reasoning as `reasoning_content` (the field
 * DeepSeek and vLLM use; OpenAI clients ignore it), finish reason and usage.
 */
import {
  chatCompletionId,
  type OpenAiUsage,
  openAiFinishReason,
  openAiUsage,
} from '../../delivery/openai-chunk-encoder.ts';
import type { GenerationRecord } from '../../generation/generation-record.ts';

export interface ChatCompletionMessage {
  role: 'assistant';
  /** Null when the answer is only tool calls, as OpenAI sends it. */
  content: string | null;
  refusal: null;
  tool_calls?: Array<{
    id: string;
    type: 'function';
    function: { name: string; arguments: string };
  }>;
  reasoning_content?: string;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint: null;
  choices: Array<{
    index: 0;
    message: ChatCompletionMessage;
    logprobs: null;
    finish_reason: string;
  }>;
  usage: OpenAiUsage;
}

export type FinishedGeneration = Pick<
  GenerationRecord,
  'id' | 'model' | 'text' | 'reasoning' | 'toolCalls' | 'finishReason' | 'usage'
>;

export function chatCompletionFromGeneration(
  generation: FinishedGeneration,
  created: number,
): ChatCompletion {
  const hasToolCalls = generation.toolCalls.length > 0;
  const message: ChatCompletionMessage = {
    role: 'assistant',
    content: generation.text === '' && hasToolCalls ? null : generation.text,
    refusal: null,
  };
  if (hasToolCalls) {
    message.tool_calls = generation.toolCalls.map((call) => ({
      id: call.toolCallId,
      type: 'function',
      function: { name: call.toolName, arguments: call.arguments },
    }));
  }
  if (generation.reasoning !== '') message.reasoning_content = generation.reasoning;
  return {
    id: chatCompletionId(generation.id),
    object: 'chat.completion',
    created,
    model: generation.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: openAiFinishReason(generation.finishReason),
      },
    ],
    usage: openAiUsage(generation.usage),
  };
}
