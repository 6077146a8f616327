import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { BUILT_IN_DETECTORS } from './detectors.ts';
import { estimateProgramSize } from './pattern-size.ts';

function compiledSize(source: string, flags = 0): number | undefined {
  try {
    const program = (RE2JS.compile(source, flags).re2() as unknown as { prog: { inst: unknown[] } })
      .prog;
    return program.inst.length;
  } catch {
    return undefined;
  }
}

const atom = fc.constantFrom(
  'a',
  'b',
  '.',
  '\\d',
  '\\w',
  '[a-c]',
  '[^]x]',
  '\\pL',
  '\\p{Greek}',
  '\\x{41}',
  '^',
  '$',
  '\\b',
  '(?i)',
  'é',
  '😀',
  '\\Q{9}\\E',
  '[[:alpha:]]',
);
const quantifier = fc.constantFrom('*', '+', '?', '{2}', '{1,3}', '{2,}', '{0,2}', '*?', '{0}');
const patternArbitrary: fc.Arbitrary<string> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    atom,
    fc.tuple(tie('node'), quantifier).map(([inner, repeat]) => `(?:${inner})${repeat}`),
    fc.array(tie('node'), { maxLength: 4 }).map((parts) => parts.join('')),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((parts) => `(${parts.join('|')})`),
  ),
})).node;

describe('estimateProgramSize', () => {
  test('never estimates less than RE2JS compiles', () => {
    fc.assert(
      fc.property(patternArbitrary, fc.boolean(), (source, caseInsensitive) => {
        const actual = compiledSize(source, caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
        if (actual !== undefined)
          expect(estimateProgramSize(source)).toBeGreaterThanOrEqual(actual);
      }),
      { numRuns: 3000 },
    );
  });

  test('is close for the built-in detectors', () => {
    for (const detector of Object.values(BUILT_IN_DETECTORS)) {
      const actual = compiledSize(detector.pattern) as number;
      expect(estimateProgramSize(detector.pattern)).toBeGreaterThanOrEqual(actual);
      expect(estimateProgramSize(detector.pattern)).toBeLessThan(actual * 4);
    }
  });

  test('sees the repetitions that make short patterns huge', () => {
    // 2,000 characters that compile to 400,000 instructions (about a second of compiling).
    const source = '\\w{1,1000}'.repeat(200);
    expect(estimateProgramSize(source)).toBeGreaterThanOrEqual(399_800);
    expect(estimateProgramSize('(?:(?:a{10}){10}){10}')).toBeGreaterThanOrEqual(1_000);
    // Braces that are not a repetition, in escapes, classes and quotes, count once.
    expect(estimateProgramSize('\\p{Greek}\\x{100}[{1000}]\\Q{1000}\\E')).toBeLessThan(20);
  });
});
