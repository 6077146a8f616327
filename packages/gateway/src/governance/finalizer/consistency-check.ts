/**
 * Confirms that everything the producer released reached the log — the answer clients can
 * read is the answer that was checked. A difference means a store failure (or a bug) lost
 * part of it, so it is recorded and flags the answer for review; the detail gives counts,
 * never content.
 */
import type { ValidatorOutcome } from '../validators/validator.ts';

export const CONSISTENCY_CHECK_NAME = 'consistency';

export function checkConsistency(
  delivery: { released: number; appended: number } | undefined,
): ValidatorOutcome {
  if (delivery === undefined || delivery.released === delivery.appended) {
    return { check: { name: CONSISTENCY_CHECK_NAME, passed: true }, onFail: 'flag' };
  }
  return {
    check: {
      name: CONSISTENCY_CHECK_NAME,
      passed: false,
      detail: `${delivery.appended} of ${delivery.released} released events reached the log`,
    },
    onFail: 'flag',
  };
}
