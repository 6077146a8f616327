/**
 * Applies a policy's input guardrails to a generation request before anything is created:
 * a block detector that matches refuses the request (400 `SLUICE_ERR_INPUT_BLOCKED`, naming
 * the detector, never the text); redact detectors rewrite the messages the model will see.
 */
import { errorGuard, SluiceError } from '../errors/sluice-error.ts';
import type { InputGuardrails } from '../guardrails/guardrails.ts';
import { screenInput } from '../guardrails/screen-input.ts';
import type { GenerationRequest } from './generation.ts';

/** An input guardrail refused the request; nothing was started. */
export class InputBlockedError extends SluiceError {
  static override readonly isInstance = errorGuard<InputBlockedError>('InputBlockedError');
  override readonly name = 'InputBlockedError';
  readonly code = 'SLUICE_ERR_INPUT_BLOCKED' as const;
}

export interface ScreenedRequest {
  request: GenerationRequest;
  /** Redactions by kind (counts only), empty when nothing was redacted. */
  redactions: Record<string, number>;
}

export function screenRequest(input: InputGuardrails, request: GenerationRequest): ScreenedRequest {
  if (input.redactors.length === 0 && input.blockers.length === 0) {
    return { request, redactions: {} };
  }
  const screened = screenInput(input, request.messages);
  if (screened.blockedBy !== undefined) {
    throw new InputBlockedError(
      `The request was refused by the policy's input guardrail '${screened.blockedBy}'`,
    );
  }
  return { request: { ...request, messages: screened.messages }, redactions: screened.redactions };
}
