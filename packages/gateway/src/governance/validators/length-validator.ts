/**
 * Length bounds on the final answer, counted in Unicode code points so an emoji or an
 * accented letter counts once whatever its UTF-16 length.
 */
import type { Validator } from './validator.ts';
import type { LengthRule } from './validators-policy.ts';

export const LENGTH_CHECK_NAME = 'length';

export function createLengthValidator(rule: LengthRule): Validator {
  return {
    name: LENGTH_CHECK_NAME,
    onFail: rule.onFail,
    // A cut-off answer is legitimately short, but never legitimately too long.
    needsCompleteText: rule.maxChars === undefined,
    validate: async (text) => {
      const characters = countCodePoints(text);
      if (rule.minChars !== undefined && characters < rule.minChars) {
        return {
          name: LENGTH_CHECK_NAME,
          passed: false,
          detail: `${characters} characters; at least ${rule.minChars} required`,
        };
      }
      if (rule.maxChars !== undefined && characters > rule.maxChars) {
        return {
          name: LENGTH_CHECK_NAME,
          passed: false,
          detail: `${characters} characters; at most ${rule.maxChars} allowed`,
        };
      }
      return { name: LENGTH_CHECK_NAME, passed: true };
    },
  };
}

export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
