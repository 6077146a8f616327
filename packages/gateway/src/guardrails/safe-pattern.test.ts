import { describe, expect, test } from 'vitest';
import { SafePattern, UnsafePatternError } from './safe-pattern.ts';

describe('SafePattern', () => {
  test('finds every match with positions', () => {
    const pattern = SafePattern.compile('ticket-(\\d+)');
    expect([...pattern.matches('a ticket-12 and ticket-345')]).toEqual([
      { start: 2, end: 11, text: 'ticket-12' },
      { start: 16, end: 26, text: 'ticket-345' },
    ]);
  });

  test('case-insensitive when asked', () => {
    expect(SafePattern.compile('secret', { caseInsensitive: true }).test('A SECRET')).toBe(true);
    expect(SafePattern.compile('secret').test('A SECRET')).toBe(false);
  });

  test('a pattern that backtracks catastrophically elsewhere runs in linear time here', () => {
    const pattern = SafePattern.compile('(a+)+b');
    // With a backtracking engine this input takes exponential time.
    expect(pattern.test(`${'a'.repeat(100_000)}c`)).toBe(false);
  });

  test.each(['(a)\\1', '(?=x)y', '(?<!x)y', '[unclosed'])('rejects %j', (source) => {
    expect(() => SafePattern.compile(source)).toThrow(UnsafePatternError);
  });

  test('empty matches terminate', () => {
    expect([...SafePattern.compile('x*').matches('ab')].length).toBeLessThanOrEqual(3);
  });
});
