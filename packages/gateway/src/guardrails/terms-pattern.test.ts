import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { SafePattern } from './safe-pattern.ts';
import { distinctPrefixes, termsPattern } from './terms-pattern.ts';

/** The alternation term lists compiled to before, kept as the reference for matches. */
function alternation(terms: readonly string[]): string {
  const word = (character: string) => /^[A-Za-z0-9_]$/.test(character);
  return terms
    .map((term) => {
      const before = word(term.slice(0, 1)) ? '\\b' : '';
      const after = word(term.slice(-1)) ? '\\b' : '';
      return `${before}${RE2JS.quote(term)}${after}`;
    })
    .join('|');
}

describe('termsPattern', () => {
  test('shares prefixes and bounds words only at word edges', () => {
    expect(termsPattern(['card', 'cart', 'carbon'], false)).toBe('\\bcar(?:bon\\b|d\\b|t\\b)');
    expect(termsPattern(['car', 'card', 'c++'], false)).toBe('\\bc(?:\\+\\+|ar(?:d\\b|\\b))');
    expect(termsPattern(['Secret', 'SECRET', 'secret'], true)).toBe('\\bsecret\\b');
  });

  test('matches where the alternation of its terms matches, preferring the longest term', () => {
    const alphabet = fc.constantFrom(...'ab-+. é😀');
    const term = fc
      .string({ unit: alphabet, minLength: 1, maxLength: 4 })
      .map((value) => value.trim());
    fc.assert(
      fc.property(
        fc.array(
          term.filter((value) => value.length > 0),
          { minLength: 1, maxLength: 8 },
        ),
        fc.string({ unit: alphabet, maxLength: 30 }),
        fc.boolean(),
        (terms, text, caseInsensitive) => {
          const tree = SafePattern.compile(termsPattern(terms, caseInsensitive), {
            caseInsensitive,
            limit: 'maxTermInstructions',
          }).firstMatchFrom(text, 0);
          const reference = SafePattern.compile(alternation(terms), {
            caseInsensitive,
          }).firstMatchFrom(text, 0);
          expect(tree?.start).toBe(reference?.start);
          if (tree && reference) {
            expect(tree.end).toBeGreaterThanOrEqual(reference.end);
            const folded = terms.map((value) => (caseInsensitive ? value.toLowerCase() : value));
            const found = caseInsensitive ? tree.text.toLowerCase() : tree.text;
            expect(folded).toContain(found);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('quotes what RE2 reads as syntax', () => {
    const pattern = SafePattern.compile(termsPattern(['a.b', '(x)', 'c++', '$1'], false), {
      limit: 'maxTermInstructions',
    });
    expect([...pattern.matches('a.b axb (x) c++ $1')].map((match) => match.text)).toEqual([
      'a.b',
      '(x)',
      'c++',
      '$1',
    ]);
  });

  test('a list of nine thousand words is about one instruction per distinct prefix', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const letters = () => String.fromCharCode(97 + Math.floor(random() * 26));
    const words = Array.from({ length: 9_000 }, () =>
      Array.from({ length: 4 + Math.floor(random() * 8) }, letters).join(''),
    );
    const characters = words.reduce((sum, word) => sum + word.length, 0);
    const compiled = RE2JS.compile(termsPattern(words, true), RE2JS.CASE_INSENSITIVE);
    const instructions = (compiled.re2() as unknown as { prog: { inst: unknown[] } }).prog.inst
      .length;
    // The alternation of whole terms compiles to about one and a half per character.
    expect(instructions).toBeLessThan(characters / 3);
  });
});

describe('distinctPrefixes', () => {
  test('counts the prefix tree nodes, folding case when asked', () => {
    expect(distinctPrefixes(['card', 'cart', 'carbon'], false)).toBe(3 + 1 + 1 + 3);
    expect(distinctPrefixes(['Car', 'car', 'card'], true)).toBe(4);
    expect(distinctPrefixes(['Car', 'car'], false)).toBe(6);
    expect(distinctPrefixes([], false)).toBe(0);
  });

  test('never exceeds the compiled instructions, so refusing on it is sound', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({
            unit: fc.constantFrom('a', 'b', 'C', 'é', '-', ' '),
            minLength: 1,
            maxLength: 8,
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        fc.boolean(),
        (terms, caseInsensitive) => {
          const pattern = SafePattern.compile(termsPattern(terms, caseInsensitive), {
            caseInsensitive,
          });
          expect(distinctPrefixes(terms, caseInsensitive)).toBeLessThanOrEqual(
            pattern.instructions,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
