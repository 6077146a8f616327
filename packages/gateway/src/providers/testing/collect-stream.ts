/**
 * Test helpers for provider streams: drain a stream into parts, text, finish part and the
 * error it ended with; and bound a wait by a deadline without sleeping when it is met.
 */
import type { LanguageModelStreamPart } from '../language-model.ts';

export interface CollectedStream {
  parts: LanguageModelStreamPart[];
  text: string;
  error: unknown;
  finish: Extract<LanguageModelStreamPart, { type: 'finish' }> | undefined;
}

export async function collectStream(
  stream: AsyncIterable<LanguageModelStreamPart>,
): Promise<CollectedStream> {
  const parts: LanguageModelStreamPart[] = [];
  let error: unknown;
  try {
    for await (const part of stream) parts.push(part);
  } catch (caught) {
    error = caught;
  }
  let text = '';
  let finish: CollectedStream['finish'];
  for (const part of parts) {
    if (part.type === 'text-delta') text += part.delta;
    if (part.type === 'finish') finish = part;
  }
  return { parts, text, error, finish };
}

/** Resolves with `promise`, or rejects with `message` if it takes longer than `deadlineMs`. */
export function withinDeadline<T>(promise: Promise<T>, deadlineMs: number, message: string) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), deadlineMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
