import { describe, expect, test } from 'vitest';
import { plainCopy } from './plain-copy.ts';

describe('plainCopy', () => {
  test('copies plain data deeply: equal, and sharing nothing', () => {
    const record = {
      id: 'gen_1',
      usage: { inputTokens: 1, outputTokens: 2 },
      toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }],
      final: { verdict: 'approved', checks: [{ name: 'x', passed: true }] },
      absent: undefined,
      nothing: null,
    };
    const copied = plainCopy(record);
    expect(copied).toEqual(record);
    expect(Object.hasOwn(copied, 'absent')).toBe(true);
    copied.usage.outputTokens = 99;
    (copied.toolCalls[0] as { name: string }).name = 'g';
    copied.final.checks.push({ name: 'y', passed: false });
    expect(record.usage.outputTokens).toBe(2);
    expect(record.toolCalls[0]?.name).toBe('f');
    expect(record.final.checks).toHaveLength(1);
  });

  test('refuses what is not plain data', () => {
    expect(() => plainCopy({ at: new Date() })).toThrow(/not plain data: Date/);
    expect(() => plainCopy({ seen: new Map() })).toThrow(/not plain data: Map/);
  });
});
