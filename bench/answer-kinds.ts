/**
 * What the bench's answers are made of: `text` (N content tokens, the default) or
 * `tool-calls` (parallel tool calls whose arguments stream in N fragments of about a
 * token each). The request decides, as with a real model: a request that declares tools
 * gets the tool-call answer from the fast upstream. Counting is in characters either way,
 * so "tokens relayed" are text tokens or argument fragments.
 */
import { toolCallArgumentCharacters } from './tool-call-frames.ts';
import { createUpstreamFrames } from './upstream-frames.ts';

export const ANSWER_KINDS = ['text', 'tool-calls'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/** Appended to a column heading; empty for text, so text reports read as before. */
export const ANSWER_LABELS: Record<AnswerKind, string> = {
  text: '',
  'tool-calls': 'tool calls',
};

const answerText = createUpstreamFrames('bench-model').text;

/** Characters a client must receive for a complete answer of `tokens` tokens. */
export function answerCharacters(answer: AnswerKind, tokens: number): number {
  return answer === 'text' ? answerText(tokens).length : toolCallArgumentCharacters(tokens);
}

export function parseAnswerKinds(text: string): AnswerKind[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(ANSWER_KINDS as readonly string[]).includes(name)) {
      throw new Error(`Unknown answer "${name}"; choose from ${ANSWER_KINDS.join(', ')}`);
    }
  }
  return names as AnswerKind[];
}
