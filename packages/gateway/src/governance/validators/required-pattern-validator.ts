/**
 * A pattern the final answer must contain (e.g. a disclaimer). The detail names the rule,
 * never any text.
 */
import { SafePattern } from '../../guardrails/safe-pattern.ts';
import type { Validator } from './validator.ts';
import type { PatternRule } from './validators-policy.ts';

export function createRequiredPatternValidator(rule: PatternRule): Validator {
  const pattern = SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive });
  const name = `required-pattern:${rule.name}`;
  return {
    name,
    onFail: rule.onFail,
    needsCompleteText: true,
    validate: async (text) =>
      pattern.test(text)
        ? { name, passed: true }
        : { name, passed: false, detail: `required pattern "${rule.name}" not found` },
  };
}
