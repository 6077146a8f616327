/**
 * The verdict from the checks' outcomes: any failed `reject` check rejects, otherwise any
 * failed `flag` check flags, otherwise the answer is approved.
 */
import type { Verdict } from '@sluice/protocol';
import type { ValidatorOutcome } from '../validators/validator.ts';

export function computeVerdict(outcomes: readonly ValidatorOutcome[]): Verdict {
  let verdict: Verdict = 'approved';
  for (const outcome of outcomes) {
    if (outcome.check.passed) continue;
    if (outcome.onFail === 'reject') return 'rejected';
    verdict = 'flagged';
  }
  return verdict;
}
