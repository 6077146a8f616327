/**
 * Structured output: the final answer (inside a ```json fence, if any) must be JSON that
 * satisfies the policy's JSON Schema. The detail names the schema location that failed
 * (from the policy) and ajv's message (derived from the schema), never a value from the
 * answer: `JSON.parse` messages quote the input, so they are not passed on either.
 *
 * The work is bounded (`validation-limits.ts`): an answer over `maxOutputBytes` is not
 * parsed, and validation stops after `maxSteps`; both fail the check with a reason.
 */
import type { ErrorObject } from 'ajv';
import { ValidationBudget } from './json-schema-budget.ts';
import { compileJsonSchema, type SchemaVerdict } from './json-schema-compiler.ts';
import { stripJsonFence } from './strip-json-fence.ts';
import {
  DEFAULT_VALIDATION_LIMITS,
  OVER_BUDGET_DETAIL,
  tooLargeToValidate,
  type ValidationLimits,
} from './validation-limits.ts';
import type { Validator } from './validator.ts';
import type { JsonSchemaRule } from './validators-policy.ts';

export const JSON_SCHEMA_CHECK_NAME = 'json-schema';

export function createJsonSchemaValidator(
  rule: JsonSchemaRule,
  limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
): Validator {
  const validateValue = compileJsonSchema(rule.schema);
  const failed = (detail: string) => ({ name: JSON_SCHEMA_CHECK_NAME, passed: false, detail });
  return {
    name: JSON_SCHEMA_CHECK_NAME,
    onFail: rule.onFail,
    needsCompleteText: true,
    validate: async (text) => {
      const bytes = Buffer.byteLength(text);
      if (bytes > limits.maxOutputBytes) return failed(tooLargeToValidate(bytes, limits));
      // Its own turn of the event loop, apart from the other checks of the finalization.
      await nextTurn();
      let value: unknown;
      try {
        value = JSON.parse(stripJsonFence(text));
      } catch {
        return failed('output is not valid JSON');
      }
      const verdict = validateValue(value, new ValidationBudget(limits.maxSteps));
      await nextTurn();
      if (verdict.result === 'valid') return { name: JSON_SCHEMA_CHECK_NAME, passed: true };
      return failed(describeVerdict(verdict));
    },
  };
}

/** The detail of a verdict other than `valid`: the schema rule, never the value. */
function describeVerdict(verdict: Exclude<SchemaVerdict, { result: 'valid' }>): string {
  switch (verdict.result) {
    case 'invalid':
      return `output does not match the schema: ${describe(verdict.error)}`;
    case 'over-budget':
      return OVER_BUDGET_DETAIL;
    case 'not-validated':
      return `output could not be validated (${verdict.reason})`;
  }
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'unknown schema error';
  return `${error.schemaPath} ${error.message ?? error.keyword}`;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
