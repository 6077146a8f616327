/**
 * What the redaction detectors find in one tool call's complete arguments, for `pass`
 * mode: the arguments go out untouched, and the final record still says that they held,
 * say, two e-mail addresses. Counts only, never values. The counting is the arguments
 * redactor's own (strings decoded, numbers included, invalid JSON scanned as plain text
 * from where it stops being JSON), so `pass` and `redact` count alike.
 *
 * Arguments longer than `SCAN_SLICE_CHARS` are scanned a slice per event-loop turn: a model
 * that writes megabytes of arguments must not hold the loop every stream shares.
 */
import { setImmediate } from 'node:timers/promises';
import type { Guardrails } from './guardrails.ts';
import { JsonArgumentsRedactor } from './json-arguments-redactor.ts';
import type { RedactionCount } from './redact-text.ts';

export const SCAN_SLICE_CHARS = 4 * 1024;

export function countArgumentDetections(
  argumentsJson: string,
  guardrails: Guardrails,
): RedactionCount[] | Promise<RedactionCount[]> {
  const scan = new DetectionScan(argumentsJson, guardrails);
  if (argumentsJson.length <= SCAN_SLICE_CHARS) {
    scan.push(argumentsJson);
    return scan.end();
  }
  return scanInSlices(scan, argumentsJson);
}

async function scanInSlices(scan: DetectionScan, text: string): Promise<RedactionCount[]> {
  for (let start = 0; start < text.length; start += SCAN_SLICE_CHARS) {
    if (start > 0) await setImmediate();
    scan.push(text.slice(start, start + SCAN_SLICE_CHARS));
  }
  return scan.end();
}

class DetectionScan {
  readonly #redactor: JsonArgumentsRedactor;
  readonly #counts = new Map<string, number>();

  constructor(argumentsJson: string, guardrails: Guardrails) {
    // The whole text is at hand, so no holdback cap can cut the scan short.
    const uncapped: Guardrails = {
      ...guardrails,
      holdbackMaxChars: Math.max(guardrails.holdbackMaxChars, argumentsJson.length + 1),
    };
    this.#redactor = new JsonArgumentsRedactor(uncapped, 'redact');
  }

  push(text: string): void {
    this.#add(this.#redactor.push(text).redactions);
  }

  end(): RedactionCount[] {
    this.#add(this.#redactor.end().redactions);
    return [...this.#counts].map(([kind, count]) => ({ kind, count }));
  }

  #add(redactions: readonly RedactionCount[]): void {
    for (const { kind, count } of redactions) {
      this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + count);
    }
  }
}
