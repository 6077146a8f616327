/**
 * Models often wrap structured output in a Markdown code fence (```json … ```). The
 * JSON Schema check validates what is inside; other text around the JSON is not
 * stripped, so prose plus JSON still fails as "not JSON". Plain string operations, no
 * regex: this runs on untrusted model output.
 */

const FENCE = '```';
const INFO_STRING = /^[A-Za-z0-9_-]*$/;

export function stripJsonFence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed.startsWith(FENCE) || !trimmed.endsWith(FENCE)) return text;
  const firstLineEnd = trimmed.indexOf('\n');
  if (firstLineEnd === -1) return text;
  const infoString = trimmed.slice(FENCE.length, firstLineEnd).trim();
  if (!INFO_STRING.test(infoString)) return text;
  const closing = trimmed.length - FENCE.length;
  if (closing < firstLineEnd + 1) return text;
  // Whitespace around a JSON value is insignificant, so the inner text is trimmed too.
  return trimmed.slice(firstLineEnd + 1, closing).trim();
}
