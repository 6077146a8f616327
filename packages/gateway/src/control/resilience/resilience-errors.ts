/**
 * The failures the resilience layer itself raises. They are `ProviderError`s, so the
 * generation producer and the HTTP layer map them like any upstream failure (502 / 504 before
 * the first byte, `response-error` after); `CircuitOpenError` adds its own marker so callers
 * can tell "we did not even try" from "we tried and it failed". Messages name the model's
 * public name only, never URLs, keys or prompt text.
 */
import { ProviderError } from '../../providers/language-model.ts';

const CIRCUIT_OPEN_ERROR = Symbol.for('sluice.resilience.circuit-open');

/** Every model in the chain was skipped because its circuit was open. Retryable later. */
export class CircuitOpenError extends ProviderError {
  readonly [CIRCUIT_OPEN_ERROR] = true;
  /** The public name of the model whose circuit turned the call away. */
  readonly modelName: string;

  constructor(modelName: string) {
    super({
      code: 'SLUICE_ERR_UPSTREAM_UNAVAILABLE',
      message: `The upstream for model ${modelName} is unavailable (circuit open)`,
      retryable: true,
    });
    this.modelName = modelName;
  }

  static override isInstance(value: unknown): value is CircuitOpenError {
    return typeof value === 'object' && value !== null && CIRCUIT_OPEN_ERROR in value;
  }
}

/** No text (or finish) arrived within the first-token timeout. */
export function firstTokenTimeoutError(timeoutMs: number): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
    message: `The upstream produced no first token within ${timeoutMs} ms`,
    retryable: true,
  });
}

/** The stream went silent between two parts for longer than the gap timeout. */
export function tokenGapTimeoutError(timeoutMs: number): ProviderError {
  return new ProviderError({
    code: 'SLUICE_ERR_UPSTREAM_TIMEOUT',
    message: `The upstream stream was silent for more than ${timeoutMs} ms`,
    retryable: true,
  });
}
