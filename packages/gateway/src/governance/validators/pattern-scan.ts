/**
 * Finds a pattern's matches in a finished answer a slice at a time, yielding to the event
 * loop between slices. Matching is linear, but its cost per character grows with the
 * compiled program (up to one live thread per instruction): one call over a long answer
 * with a large pattern could hold the loop for seconds. Slices are sized so that each
 * turn costs about `STEPS_PER_TURN` instruction-characters, whatever the pattern.
 *
 * The matches are RE2's leftmost-first, non-overlapping ones, as `SafePattern.matches`
 * finds them (after an empty match the search resumes one position later): the streaming
 * matcher runs the same program, and keeps its threads between slices.
 */
import type { SafePattern } from '../../guardrails/safe-pattern.ts';
import { type MatchSpan, StreamingMatcher } from '../../guardrails/streaming-matcher.ts';

/** About 5-10 ms of matching at worst (some 20 ns per instruction and character). */
const STEPS_PER_TURN = 250_000;
const MIN_SLICE_CHARS = 64;

export async function* scanMatches(pattern: SafePattern, text: string): AsyncGenerator<MatchSpan> {
  const program = pattern.program;
  const sliceChars = Math.max(
    MIN_SLICE_CHARS,
    Math.floor(STEPS_PER_TURN / Math.max(1, program.instructions.length)),
  );
  const matcher = new StreamingMatcher(program);
  let readThisTurn = 0;
  for (;;) {
    if (readThisTurn >= sliceChars) {
      await nextTurn();
      readThisTurn = 0;
    }
    const until = Math.min(text.length, matcher.position + sliceChars - readThisTurn);
    const endOfText = until === text.length;
    readThisTurn += Math.max(1, until - matcher.position);
    matcher.advance({ text: text.slice(0, until), offset: 0 }, endOfText);
    const match = matcher.match;
    if (match !== undefined && (matcher.settled || endOfText)) {
      yield match;
      const next = match.end > match.start ? match.end : match.end + widthAt(text, match.end);
      if (next > text.length) return;
      matcher.reset(next);
      continue;
    }
    if (endOfText) return;
  }
}

/** UTF-16 units of the character at `index` (1 at the end of the text). */
function widthAt(text: string, index: number): number {
  return (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
