/**
 * The public face of the guardrails: parse a policy, compile it once, open one session per
 * generation, push deltas through it.
 */
export { BUILT_IN_KINDS, type BuiltInKind } from './detectors.ts';
export { type GuardrailOutput, GuardrailSession } from './guardrail-session.ts';
export type { BlockKind, Guardrails } from './guardrails.ts';
export {
  type CompileGuardrailsOptions,
  compileGuardrails,
  type GuardrailsPolicy,
  type GuardrailsPolicyInput,
  guardrailsPolicySchema,
} from './guardrails-policy.ts';
export { GuardrailsPolicyError } from './guardrails-policy-error.ts';
export { type RedactedText, type RedactionCount, redactText } from './redact-text.ts';
export { REPLACEMENT_MODES, type ReplacementMode } from './replacement.ts';
export { SafePattern, UnsafePatternError } from './safe-pattern.ts';
