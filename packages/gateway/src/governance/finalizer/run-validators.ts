/**
 * Runs a policy's validators on the final answer, all at once: they are independent, and
 * the slow one (a webhook) should not wait behind the others. A validator that throws is
 * a failed check rather than a failed finalization, so one broken check cannot withhold
 * the verdict.
 */
import type { FinishReason } from '@sluice/protocol';
import type { ValidationContext, Validator, ValidatorOutcome } from '../validators/validator.ts';

/** Finish reasons after which the answer is whole, as the request asked for it. */
const COMPLETE_FINISH_REASONS: ReadonlySet<FinishReason> = new Set(['stop', 'length']);

/** Told how long each check that ran took (for a metric). */
export type CheckTimer = (name: string, durationMs: number) => void;

export async function runValidators(
  validators: readonly Validator[],
  text: string,
  context: ValidationContext,
  onCheckTimed?: CheckTimer,
): Promise<ValidatorOutcome[]> {
  const complete = COMPLETE_FINISH_REASONS.has(context.finishReason);
  return Promise.all(
    validators.map(async (validator): Promise<ValidatorOutcome> => {
      if (validator.needsCompleteText && !complete) {
        return {
          check: {
            name: validator.name,
            passed: true,
            detail: `not applied: the generation ended early (${context.finishReason})`,
          },
          onFail: validator.onFail,
        };
      }
      const started = performance.now();
      try {
        return { check: await validator.validate(text, context), onFail: validator.onFail };
      } catch (error) {
        const kind = error instanceof Error ? error.name : 'unknown error';
        return {
          check: { name: validator.name, passed: false, detail: `check could not run (${kind})` },
          onFail: validator.onFail,
        };
      } finally {
        onCheckTimed?.(validator.name, performance.now() - started);
      }
    }),
  );
}
