/**
 * The public face of the finalization validators: the policy section's schema, its
 * compilation (once per policy version), the streaming partial-JSON parser and the
 * guarded HTTP client policy webhooks are sent through.
 */
export {
  type CompiledValidators,
  type CompileValidatorsOptions,
  compileValidators,
  compileValidatorsDocument,
} from './compile-validators.ts';
export { PartialJsonParser, type PartialJsonState } from './partial-json.ts';
export type { OnFail, ValidationContext, Validator, ValidatorOutcome } from './validator.ts';
export {
  MAX_WEBHOOK_TIMEOUT_MS,
  parseValidatorsPolicy,
  type ValidatorsPolicy,
  type ValidatorsPolicyDocument,
  validatorsPolicySchema,
} from './validators-policy.ts';
export { type PolicyIssue, ValidatorsPolicyError } from './validators-policy-error.ts';
export {
  createWebhookDispatcher,
  type WebhookDispatcherOptions,
} from './webhook-dispatcher.ts';
export type { WebhookLogger, WebhookValidatorOptions } from './webhook-validator.ts';
