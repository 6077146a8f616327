/**
 * A guardrails policy that parsed but cannot be compiled for this gateway (e.g. hash
 * replacement without a hash key). Raised at load time, never during a generation.
 */

const GUARDRAILS_POLICY_ERROR = Symbol.for('sluice.guardrails.policy-error');

export class GuardrailsPolicyError extends Error {
  readonly [GUARDRAILS_POLICY_ERROR] = true;
  override readonly name = 'GuardrailsPolicyError';
  readonly retryable = false;

  static isInstance(value: unknown): value is GuardrailsPolicyError {
    return typeof value === 'object' && value !== null && GUARDRAILS_POLICY_ERROR in value;
  }
}
