/**
 * Turns a validators policy into ready-to-run validators, once per policy version:
 * patterns and JSON Schemas are compiled here, so finalizing a generation does no
 * compilation at all.
 */
import { createForbiddenPatternValidator } from './forbidden-pattern-validator.ts';
import { createJsonSchemaValidator } from './json-schema-validator.ts';
import { createLengthValidator } from './length-validator.ts';
import type { OutputContractPolicy } from './output-contract-checks.ts';
import { createRequiredPatternValidator } from './required-pattern-validator.ts';
import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from './validation-limits.ts';
import type { Validator } from './validator.ts';
import { parseValidatorsPolicy, type ValidatorsPolicy } from './validators-policy.ts';
import { createWebhookValidator, type WebhookValidatorOptions } from './webhook-validator.ts';

export interface CompiledValidators {
  readonly policyVersion: string;
  readonly validators: readonly Validator[];
  /** What a failure of the request-implied checks (tool calls, response format) does. */
  readonly outputContract: OutputContractPolicy;
  /** How much work the schema checks of one finalization may take. */
  readonly limits: ValidationLimits;
}

export interface CompileValidatorsOptions {
  webhook?: WebhookValidatorOptions;
  /** Bounds of schema validation (`governance.validation`); defaults otherwise. */
  validation?: ValidationLimits;
}

/**
 * Compiles an already validated policy. Call `parseValidatorsPolicy` (or
 * `compileValidatorsDocument`) on untrusted documents first.
 */
export function compileValidators(
  policyVersion: string,
  policy: ValidatorsPolicy,
  options: CompileValidatorsOptions = {},
): CompiledValidators {
  const limits = options.validation ?? DEFAULT_VALIDATION_LIMITS;
  const validators: Validator[] = [];
  if (policy.length) validators.push(createLengthValidator(policy.length));
  for (const rule of policy.requiredPatterns) {
    validators.push(createRequiredPatternValidator(rule));
  }
  for (const rule of policy.forbiddenPatterns) {
    validators.push(createForbiddenPatternValidator(rule));
  }
  if (policy.jsonSchema) validators.push(createJsonSchemaValidator(policy.jsonSchema, limits));
  if (policy.webhook) validators.push(createWebhookValidator(policy.webhook, options.webhook));
  return {
    policyVersion,
    validators,
    outputContract: {
      toolCalls: policy.toolCalls.onFail,
      responseFormat: policy.responseFormat.onFail,
    },
    limits,
  };
}

/**
 * Validates and compiles a policy document in one step. Throws `ValidatorsPolicyError`
 * with the path of every problem; nothing is replaced until this returns.
 */
export function compileValidatorsDocument(
  policyVersion: string,
  document: unknown,
  options: CompileValidatorsOptions = {},
): CompiledValidators {
  return compileValidators(policyVersion, parseValidatorsPolicy(document), options);
}
