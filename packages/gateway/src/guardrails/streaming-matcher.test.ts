import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SafePattern } from './safe-pattern.ts';
import { StreamingMatcher } from './streaming-matcher.ts';
import { chunk } from './testing/guardrails-arbitraries.ts';

const PATTERNS = [
  'ab',
  'a+b?',
  'a+?b',
  'abcd|c',
  '\\bab\\b',
  '(?i)ab[c-e]\\d{2,3}\\b',
  'x.$',
  '^a',
  '[a-c]+@[a-c]+\\.[a-c]{2,3}\\b',
  '(?:a|ab)(?:c|bcd)',
  'a{2,4}',
  '\\d(?:[ -]?\\d){3,5}\\b',
  '😀.b',
  '\\Bb+',
];

describe('StreamingMatcher', () => {
  test('agrees with RE2JS for any chunking, and never misplaces the pending start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PATTERNS),
        fc.string({ unit: fc.constantFrom(...'aAbBcdex1 2-@.\n😀_'), maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (source, text, cuts) => {
          const pattern = SafePattern.compile(source);
          const expected = pattern.firstMatchFrom(text, 0);
          const matcher = new StreamingMatcher(pattern.program);
          let received = '';
          for (const piece of chunk(text, cuts)) {
            received += piece;
            matcher.advance({ text: received, offset: 0 }, false);
            if (matcher.settled) {
              expect(matcher.match).toEqual(
                expected && { start: expected.start, end: expected.end },
              );
            } else if (expected) {
              expect(expected.start).toBeGreaterThanOrEqual(matcher.pendingStart);
            }
          }
          matcher.advance({ text: received, offset: 0 }, true);
          const actual = matcher.match;
          expect(actual).toEqual(expected && { start: expected.start, end: expected.end });
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('reports the start of a possible match that is still growing', () => {
    const matcher = new StreamingMatcher(SafePattern.compile('[a-z]+@[a-z]+\\.com').program);
    matcher.advance({ text: 'hello john@exam', offset: 0 }, false);
    expect(matcher.pendingStart).toBe(6);
    expect(matcher.settled).toBe(false);
  });

  test('reads assertions from the context before a view that starts mid-text', () => {
    const matcher = new StreamingMatcher(SafePattern.compile('\\bab').program, 4);
    // The `x` at 3 is context: no word boundary before the `ab` at 4.
    matcher.advance({ text: 'xab ab', offset: 3 }, true);
    expect(matcher.match).toEqual({ start: 7, end: 9 });
  });
});
