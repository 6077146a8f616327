/**
 * Confirms the final answer is exactly what clients were sent. A difference means a bug
 * in assembly or delivery (or tampering), so it is recorded and flags the answer for
 * review; the detail locates the difference without quoting either text.
 */
import type { ValidatorOutcome } from '../validators/validator.ts';

export const CONSISTENCY_CHECK_NAME = 'consistency';

export function checkConsistency(finalText: string, deliveredText: string): ValidatorOutcome {
  if (finalText === deliveredText) {
    return { check: { name: CONSISTENCY_CHECK_NAME, passed: true }, onFail: 'flag' };
  }
  return {
    check: {
      name: CONSISTENCY_CHECK_NAME,
      passed: false,
      detail:
        `final text (${finalText.length} UTF-16 units) differs from the delivered text ` +
        `(${deliveredText.length}) from offset ${firstDifference(finalText, deliveredText)}`,
    },
    onFail: 'flag',
  };
}

function firstDifference(left: string, right: string): number {
  const shorter = Math.min(left.length, right.length);
  for (let index = 0; index < shorter; index += 1) {
    if (left.charCodeAt(index) !== right.charCodeAt(index)) return index;
  }
  return shorter;
}
