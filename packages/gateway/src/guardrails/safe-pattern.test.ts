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

  test('compiled patterns are cached by source and flags', () => {
    const first = SafePattern.compile('ticket-\\d+');
    expect(SafePattern.compile('ticket-\\d+')).toBe(first);
    expect(SafePattern.compile('ticket-\\d+', { caseInsensitive: true })).not.toBe(first);
  });

  test('a program over the size limit is refused, naming the limit', () => {
    let caught: unknown;
    try {
      // Refused from its syntax: compiling it would take about a second.
      SafePattern.compile('\\w{1,1000}'.repeat(200));
    } catch (error) {
      caught = error;
    }
    expect(UnsafePatternError.isInstance(caught)).toBe(true);
    expect((caught as UnsafePatternError).limit).toBe('maxPatternInstructions');
    expect((caught as Error).message).toMatch(/^limit maxPatternInstructions exceeded: /);
    // A cached pattern is still held to a smaller allowance.
    SafePattern.compile('[a-z]{500}');
    expect(() => SafePattern.compile('[a-z]{500}', { maxInstructions: 100 })).toThrow(
      /compiles to \d+ instructions, more than the 100 allowed/,
    );
  });

  test('empty matches terminate', () => {
    expect([...SafePattern.compile('x*').matches('ab')].length).toBeLessThanOrEqual(3);
  });
});
