/**
 * The contract every finalization validator follows: a named check with a severity
 * (`onFail`) that inspects the final text and says whether it passed. Checks never put
 * the text they inspected into `detail`: they say what failed, not what was written.
 */
import type { CheckResult, FinishReason } from '@sluice/protocol';

/** What a failed check does to the verdict: `reject` wins over `flag`. */
export type OnFail = 'reject' | 'flag';

export const ON_FAIL_VALUES = ['reject', 'flag'] as const;

/** Facts about the generation a validator may need besides the text itself. */
export interface ValidationContext {
  generationId: string;
  model: string;
  provider: string;
  policyVersion: string;
  /** Hex SHA-256 of exactly the text delivered to clients. */
  contentSha256: string;
  finishReason: FinishReason;
}

export type ValidateText = (text: string, context: ValidationContext) => Promise<CheckResult>;

export interface Validator {
  /** The check's name as it appears in `response-final` (e.g. `forbidden-pattern:ssn`). */
  readonly name: string;
  readonly onFail: OnFail;
  /**
   * Whether the check only makes sense on a complete answer (minimum length, required
   * content, structured output). Such checks are not applied to a generation that was
   * cancelled, interrupted or failed: its partial text would fail them for no fault.
   */
  readonly needsCompleteText: boolean;
  readonly validate: ValidateText;
}

/** A check's result together with the severity the verdict needs. */
export interface ValidatorOutcome {
  check: CheckResult;
  onFail: OnFail;
}
