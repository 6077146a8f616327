/**
 * A pattern the final answer must contain (e.g. a disclaimer). The detail names the rule,
 * never any text. The answer is scanned a slice per event-loop turn (`pattern-scan.ts`),
 * up to the first match.
 */
import { SafePattern } from '../../guardrails/safe-pattern.ts';
import { scanMatches } from './pattern-scan.ts';
import type { Validator } from './validator.ts';
import type { PatternRule } from './validators-policy.ts';

export function createRequiredPatternValidator(rule: PatternRule): Validator {
  const pattern = SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive });
  const name = `required-pattern:${rule.name}`;
  return {
    name,
    onFail: rule.onFail,
    needsCompleteText: true,
    validate: async (text) => {
      for await (const _ of scanMatches(pattern, text)) return { name, passed: true };
      return { name, passed: false, detail: `required pattern "${rule.name}" not found` };
    },
  };
}
