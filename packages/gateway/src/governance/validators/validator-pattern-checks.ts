/**
 * Compiles a validators section's required and forbidden patterns when the policy is
 * parsed (on publish), with the path of any problem, within `PATTERN_LIMITS`: each
 * pattern's size, and all of them together (`maxValidatorInstructions`), since every
 * finished answer is scanned by each of them. Compiling stops at the first pattern that
 * takes the section past its total, so a hostile document costs bounded work.
 */
import type { z } from 'zod';
import { limitExceeded, PATTERN_LIMITS } from '../../guardrails/pattern-limits.ts';
import { SafePattern, UnsafePatternError } from '../../guardrails/safe-pattern.ts';

interface PatternRuleLike {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
}

export function checkValidatorPatterns(
  section: {
    readonly requiredPatterns: readonly PatternRuleLike[];
    readonly forbiddenPatterns: readonly PatternRuleLike[];
  },
  context: z.RefinementCtx,
): void {
  const located = (list: string, rules: readonly PatternRuleLike[]) =>
    rules.map((rule, index) => ({ rule, path: [list, index, 'pattern'] }));
  let total = 0;
  for (const { rule, path } of [
    ...located('requiredPatterns', section.requiredPatterns),
    ...located('forbiddenPatterns', section.forbiddenPatterns),
  ]) {
    try {
      total += SafePattern.compile(rule.pattern, {
        caseInsensitive: rule.caseInsensitive,
      }).instructions;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', path, message });
      // A syntax error costs nothing to find; past a size limit, stop compiling.
      if (UnsafePatternError.isInstance(error) && error.limit !== undefined) return;
      continue;
    }
    if (total > PATTERN_LIMITS.maxValidatorInstructions) {
      context.addIssue({
        code: 'custom',
        path,
        message: limitExceeded(
          'maxValidatorInstructions',
          `the patterns up to here compile to ${total} instructions, more than ${PATTERN_LIMITS.maxValidatorInstructions}`,
        ),
      });
      return;
    }
  }
}
