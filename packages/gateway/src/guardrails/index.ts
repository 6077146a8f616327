/**
 * The public face of the guardrails: parse a policy, compile it once, open one session per
 * generation, push deltas through it; for tool-call arguments, one `JsonArgumentsRedactor`
 * per call (`redact`, `block`) or `countArgumentDetections` on the complete arguments (`pass`).
 */

export { countArgumentDetections } from './count-argument-detections.ts';
export { BUILT_IN_KINDS, type BuiltInKind } from './detectors.ts';
export { type GuardrailOutput, GuardrailSession } from './guardrail-session.ts';
export {
  type BlockKind,
  type Guardrails,
  TOOL_ARGUMENTS_MODES,
  type ToolArgumentsMode,
} from './guardrails.ts';
export {
  type CompileGuardrailsOptions,
  compileGuardrails,
  type GuardrailsPolicy,
  type GuardrailsPolicyInput,
  guardrailsPolicySchema,
} from './guardrails-policy.ts';
export { GuardrailsPolicyError } from './guardrails-policy-error.ts';
export {
  type ArgumentsEndOutput,
  type ArgumentsOutput,
  type ArgumentsRedactionMode,
  JsonArgumentsRedactor,
} from './json-arguments-redactor.ts';
export { type RedactedText, type RedactionCount, redactText } from './redact-text.ts';
export { REPLACEMENT_MODES, type ReplacementMode } from './replacement.ts';
export { SafePattern, UnsafePatternError } from './safe-pattern.ts';
