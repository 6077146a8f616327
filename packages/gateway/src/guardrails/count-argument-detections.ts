/**
 * What the redaction detectors find in one tool call's complete arguments, for `pass`
 * mode: the arguments go out untouched, and the final record still says that they held,
 * say, two e-mail addresses. Counts only, never values. The counting is the arguments
 * redactor's own (strings decoded, numbers included, invalid JSON scanned as plain text
 * from where it stops being JSON), so `pass` and `redact` count alike.
 */
import type { Guardrails } from './guardrails.ts';
import { JsonArgumentsRedactor } from './json-arguments-redactor.ts';
import type { RedactionCount } from './redact-text.ts';

export function countArgumentDetections(
  argumentsJson: string,
  guardrails: Guardrails,
): RedactionCount[] {
  // The whole text is at hand, so no holdback cap can cut the scan short.
  const uncapped: Guardrails = {
    ...guardrails,
    holdbackMaxChars: Math.max(guardrails.holdbackMaxChars, argumentsJson.length + 1),
  };
  const redactor = new JsonArgumentsRedactor(uncapped, 'redact');
  const counts = new Map<string, number>();
  for (const output of [redactor.push(argumentsJson), redactor.end()]) {
    for (const { kind, count } of output.redactions) {
      counts.set(kind, (counts.get(kind) ?? 0) + count);
    }
  }
  return [...counts].map(([kind, count]) => ({ kind, count }));
}
