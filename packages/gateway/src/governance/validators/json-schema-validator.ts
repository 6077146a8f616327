/**
 * Structured output: the final answer (inside a ```json fence, if any) must be JSON that
 * satisfies the policy's JSON Schema. The detail names the schema location that failed
 * (from the policy) and ajv's message (derived from the schema), never a value from the
 * answer: `JSON.parse` messages quote the input, so they are not passed on either.
 */
import type { ErrorObject } from 'ajv';
import { compileJsonSchema } from './json-schema-compiler.ts';
import { stripJsonFence } from './strip-json-fence.ts';
import type { Validator } from './validator.ts';
import type { JsonSchemaRule } from './validators-policy.ts';

export const JSON_SCHEMA_CHECK_NAME = 'json-schema';

export function createJsonSchemaValidator(rule: JsonSchemaRule): Validator {
  const validateValue = compileJsonSchema(rule.schema);
  return {
    name: JSON_SCHEMA_CHECK_NAME,
    onFail: rule.onFail,
    needsCompleteText: true,
    validate: async (text) => {
      let value: unknown;
      try {
        value = JSON.parse(stripJsonFence(text));
      } catch {
        return { name: JSON_SCHEMA_CHECK_NAME, passed: false, detail: 'output is not valid JSON' };
      }
      if (validateValue(value)) return { name: JSON_SCHEMA_CHECK_NAME, passed: true };
      return {
        name: JSON_SCHEMA_CHECK_NAME,
        passed: false,
        detail: `output does not match the schema: ${describe(validateValue.errors?.[0])}`,
      };
    },
  };
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'unknown schema error';
  return `${error.schemaPath} ${error.message ?? error.keyword}`;
}
