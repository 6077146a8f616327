import { describe, expect, test } from 'vitest';
import { BEGINNING_OFFSET, formatOffset, parseOffset } from './offsets.ts';

describe('offsets', () => {
  test('round-trip and sort lexicographically in numeric order', () => {
    const positions = [0, 1, 9, 10, 99, 100, 123_456_789];
    const offsets = positions.map(formatOffset);
    expect(offsets[2]).toBe('0000000000000000_0000000000000009');
    expect(offsets.map((offset) => parseOffset(offset))).toEqual(positions);
    expect([...offsets].sort()).toEqual(offsets);
  });

  test('-1 is the beginning', () => {
    expect(parseOffset(BEGINNING_OFFSET)).toBe(0);
  });

  test.each([
    '',
    'abc',
    '-2',
    'now',
    '0000000000000001',
    '0000000000000000_000000000000001',
    '0000000000000001_0000000000000001',
    '0000000000000000_000000000000000a',
    ' 0000000000000000_0000000000000001',
  ])('rejects %j', (offset) => {
    expect(parseOffset(offset)).toBeUndefined();
  });
});
