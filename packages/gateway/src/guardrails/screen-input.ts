/**
 * Input guardrails: the policy's `guardrails.input` detectors applied to a request's
 * messages before they leave for the model. Every text a message carries (string content,
 * text parts, system and tool messages alike) is redacted whole with the same rule as the
 * output (`redact-text.ts`); a block detector that matches anywhere refuses the request. The
 * result carries counts by kind, never the values, for the audit record. Images, files and
 * tool-call arguments pass unchanged.
 */
import type { ChatMessage, ContentPart, TextPart } from '@sluice/protocol';
import type { InputGuardrails, Redactor } from './guardrails.ts';
import { redactText } from './redact-text.ts';

export interface ScreenedInput {
  messages: ChatMessage[];
  /** Redactions by kind, summed over every message. */
  redactions: Record<string, number>;
  /** The first block detector that matched, by kind. */
  blockedBy?: string;
}

export function screenInput(
  input: InputGuardrails,
  messages: readonly ChatMessage[],
): ScreenedInput {
  const redactions: Record<string, number> = {};
  if (input.blockers.length > 0) {
    for (const message of messages) {
      for (const text of textsOf(message.content)) {
        const blockedBy = firstMatch(input.blockers, text);
        if (blockedBy !== undefined) return { messages: [...messages], redactions, blockedBy };
      }
    }
  }
  if (input.redactors.length === 0) return { messages: [...messages], redactions };
  const redact = (text: string): string => {
    const result = redactText(input.redactors, text);
    for (const { kind, count } of result.redactions) {
      redactions[kind] = (redactions[kind] ?? 0) + count;
    }
    return result.text;
  };
  const screened = messages.map((message) => withContent(message, redactContent(message, redact)));
  return { messages: screened, redactions };
}

function textsOf(content: string | readonly ContentPart[]): string[] {
  if (typeof content === 'string') return [content];
  return content.filter((part): part is TextPart => part.type === 'text').map((part) => part.text);
}

function firstMatch(blockers: readonly Redactor[], text: string): string | undefined {
  for (const blocker of blockers) {
    if (redactText([blocker], text).redactions.length > 0) return blocker.kind;
  }
  return undefined;
}

function redactContent(
  message: ChatMessage,
  redact: (text: string) => string,
): string | ContentPart[] {
  const { content } = message;
  if (typeof content === 'string') return redact(content);
  return content.map((part) =>
    part.type === 'text' ? { ...part, text: redact(part.text) } : part,
  );
}

function withContent(message: ChatMessage, content: string | ContentPart[]): ChatMessage {
  // Each role keeps its own content type: only text changed, never a part's kind.
  return { ...message, content } as ChatMessage;
}
