/**
 * The prompt that lets a fallback model take over a half-finished answer: the original
 * messages plus the delivered text as a trailing assistant message, which OpenAI-compatible
 * servers and Anthropic treat as the start of the answer to continue. A caller's own trailing
 * assistant message (a prefill) is extended rather than followed by a second one.
 *
 * Trailing whitespace is cut from the prefix because Anthropic rejects a final assistant
 * message that ends in whitespace. That whitespace was already delivered, so the caller should
 * drop the whitespace the continuation starts with (`trimmedWhitespace`), or the seam would
 * show a doubled space or line break.
 */
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
  const prefilled = last?.role === 'assistant';
  const base = prefilled ? messages.slice(0, -1) : messages;
  const full = (prefilled ? last.content : '') + partialText;
  const prefix = full.trimEnd();
  const trimmedWhitespace = prefix.length !== full.length && partialText.length > 0;
  if (prefix === '') return { messages: [...base], trimmedWhitespace };
  return { messages: [...base, { role: 'assistant', content: prefix }], trimmedWhitespace };
}
