/**
 * The prompt that lets a fallback model take over a half-finished answer: the original
 * messages plus the delivered text as a trailing assistant message, which OpenAI-compatible
 * servers and Anthropic treat as the start of the answer to continue. A caller's own trailing
 * assistant message (a prefill) is extended rather than followed by a second one; a trailing
 * assistant turn that called tools is a finished turn, not a prefill, so it is left as it is.
 * Only text carries over: the answer's reasoning is the failed model's own and is not replayed.
 *
 * Trailing whitespace is cut from the prefix because Anthropic rejects a final assistant
 * message that ends in whitespace. That whitespace was already delivered, so the caller should
 * drop the whitespace the continuation starts with (`trimmedWhitespace`), or the seam would
 * show a doubled space or line break.
 */
import { contentText } from '@sluice/protocol';
import type { ChatMessage } from '../../providers/language-model.ts';

export interface ContinuationPrompt {
  messages: ChatMessage[];
  /** True when the prefix lost trailing whitespace the client has already seen. */
  trimmedWhitespace: boolean;
}

export function continuationMessages(
  messages: readonly ChatMessage[],
  partialText: string,
): ContinuationPrompt {
  const last = messages.at(-1);
  const prefill =
    last?.role === 'assistant' && (last.toolCalls === undefined || last.toolCalls.length === 0)
      ? contentText(last.content)
      : undefined;
  const base = prefill === undefined ? messages : messages.slice(0, -1);
  const full = (prefill ?? '') + partialText;
  const prefix = full.trimEnd();
  const trimmedWhitespace = prefix.length !== full.length && partialText.length > 0;
  if (prefix === '') return { messages: [...base], trimmedWhitespace };
  return { messages: [...base, { role: 'assistant', content: prefix }], trimmedWhitespace };
}
