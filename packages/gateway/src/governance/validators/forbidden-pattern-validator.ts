/**
 * A pattern the final answer must not contain. The detail gives the rule and how often it
 * matched, never the matched text: that is typically the secret or personal data the
 * rule exists to keep out of logs. The answer is scanned a slice per event-loop turn
 * (`pattern-scan.ts`), so a long answer and a large pattern cannot stall the gateway.
 */
import { SafePattern } from '../../guardrails/safe-pattern.ts';
import { scanMatches } from './pattern-scan.ts';
import type { Validator } from './validator.ts';
import type { PatternRule } from './validators-policy.ts';

export function createForbiddenPatternValidator(rule: PatternRule): Validator {
  const pattern = SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive });
  const name = `forbidden-pattern:${rule.name}`;
  return {
    name,
    onFail: rule.onFail,
    needsCompleteText: false,
    validate: async (text) => {
      let count = 0;
      for await (const _ of scanMatches(pattern, text)) count += 1;
      return count === 0
        ? { name, passed: true }
        : {
            name,
            passed: false,
            detail: `forbidden pattern "${rule.name}" matched ${count} time${count === 1 ? '' : 's'}`,
          };
    },
  };
}
