import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { SafePattern } from '../../guardrails/safe-pattern.ts';
import { maxEventLoopLagMs } from '../../guardrails/testing/event-loop-lag-probe.ts';
import { createForbiddenPatternValidator } from './forbidden-pattern-validator.ts';
import { scanMatches } from './pattern-scan.ts';
import { validationContext } from './validation-context-fixture.ts';

async function spans(pattern: SafePattern, text: string) {
  const found: Array<{ start: number; end: number }> = [];
  for await (const match of scanMatches(pattern, text)) found.push(match);
  return found;
}

describe('scanMatches', () => {
  test('finds the matches SafePattern.matches finds, empty ones included', async () => {
    const sources = [
      'ab',
      'a+b?',
      'x*',
      '\\bab\\b',
      '(?i)ab[c-e]\\d{2,3}',
      'a|ab',
      '$',
      '^a',
      '😀.',
      '\\B',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.string({ unit: fc.constantFrom(...'aAbBcde12 x\n😀'), maxLength: 40 }),
        async (source, text) => {
          const pattern = SafePattern.compile(source);
          const expected = [...pattern.matches(text)].map(({ start, end }) => ({ start, end }));
          expect(await spans(pattern, text)).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('a large pattern over a long answer never holds the event loop for long', async () => {
    // About 1,000 instructions with a live thread each on this text: one synchronous scan
    // of it takes seconds; scanned a slice per turn, each turn stays short.
    const validator = createForbiddenPatternValidator({
      name: 'wide',
      pattern: '(?:\\w|\\s).{0,490}!',
      caseInsensitive: false,
      onFail: 'reject',
    });
    const text = `${'ab '.repeat(5_000)}!`;
    let result: unknown;
    const lag = await maxEventLoopLagMs(async () => {
      result = await validator.validate(text, validationContext());
    });
    expect(result).toEqual({
      name: 'forbidden-pattern:wide',
      passed: false,
      detail: 'forbidden pattern "wide" matched 1 time',
    });
    expect(lag).toBeLessThan(100);
  });
});
