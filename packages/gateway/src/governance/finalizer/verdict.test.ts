import { describe, expect, it } from 'vitest';
import type { OnFail, ValidatorOutcome } from '../validators/validator.ts';
import { computeVerdict } from './verdict.ts';

function outcome(passed: boolean, onFail: OnFail): ValidatorOutcome {
  return { check: { name: `${onFail}-${passed}`, passed }, onFail };
}

describe('computeVerdict', () => {
  it('approves when there are no checks or all pass', () => {
    expect(computeVerdict([])).toBe('approved');
    expect(computeVerdict([outcome(true, 'reject'), outcome(true, 'flag')])).toBe('approved');
  });

  it('flags when only flag-severity checks fail', () => {
    expect(computeVerdict([outcome(true, 'reject'), outcome(false, 'flag')])).toBe('flagged');
  });

  it('rejects when any reject-severity check fails, whatever else failed', () => {
    expect(computeVerdict([outcome(false, 'flag'), outcome(false, 'reject')])).toBe('rejected');
    expect(computeVerdict([outcome(false, 'reject'), outcome(false, 'flag')])).toBe('rejected');
  });
});
