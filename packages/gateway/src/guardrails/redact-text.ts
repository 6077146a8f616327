/**
 * Whole-text redaction: the reference the streaming session must equal for any chunking.
 * It uses RE2JS's own matcher, independent of the streaming matcher, so the property tests
 * compare two implementations. The rule: scan left to right; at the cursor take, over all
 * redactors, the checked match that starts first, then the longest, then the earlier
 * redactor; replace it and continue after it. A candidate that fails its check is skipped
 * and its redactor searches again one character later.
 */
import type { Redactor } from './guardrails.ts';

export interface RedactionCount {
  kind: string;
  count: number;
}

export interface RedactedText {
  text: string;
  redactions: RedactionCount[];
}

interface Candidate {
  start: number;
  end: number;
}

function nextCandidate(redactor: Redactor, text: string, from: number): Candidate | undefined {
  let position = from;
  while (position <= text.length) {
    const match = redactor.pattern.firstMatchFrom(text, position);
    if (!match) return undefined;
    const length = redactor.check(match.text);
    if (length > 0) return { start: match.start, end: match.start + length };
    position = match.start + ((text.codePointAt(match.start) ?? 0) > 0xffff ? 2 : 1);
  }
  return undefined;
}

export function countsOf(counts: ReadonlyMap<string, number>): RedactionCount[] {
  return [...counts].map(([kind, count]) => ({ kind, count }));
}

export function redactText(redactors: readonly Redactor[], text: string): RedactedText {
  const candidates: Array<Candidate | undefined | null> = redactors.map(() => null);
  const counts = new Map<string, number>();
  let output = '';
  let cursor = 0;
  for (;;) {
    let winner: { candidate: Candidate; redactor: Redactor } | undefined;
    redactors.forEach((redactor, index) => {
      let candidate = candidates[index];
      if (candidate === null || (candidate !== undefined && candidate.start < cursor)) {
        candidate = nextCandidate(redactor, text, cursor);
        candidates[index] = candidate;
      }
      if (!candidate) return;
      const best = winner?.candidate;
      if (
        !best ||
        candidate.start < best.start ||
        (candidate.start === best.start && candidate.end > best.end)
      ) {
        winner = { candidate, redactor };
      }
    });
    if (!winner) break;
    const { candidate, redactor } = winner;
    output += text.slice(cursor, candidate.start);
    output += redactor.replace(text.slice(candidate.start, candidate.end));
    counts.set(redactor.kind, (counts.get(redactor.kind) ?? 0) + 1);
    cursor = candidate.end;
  }
  return { text: output + text.slice(cursor), redactions: countsOf(counts) };
}
