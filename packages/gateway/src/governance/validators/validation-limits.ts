/**
 * How much work checking a finished answer against JSON Schemas may take, on the event
 * loop every generation shares. Past either limit the check fails with a reason (the
 * policy's `onFail` decides what that does to the verdict) instead of stalling every
 * other stream: an answer too large to parse cheaply, or a schema and answer that together
 * cost more than the step budget (see `json-schema-budget.ts`; a step is one schema object
 * applied to one value, at most about a microsecond).
 */
export interface ValidationLimits {
  /** Larger answers (or tool-call arguments) are not parsed: the check fails. */
  maxOutputBytes: number;
  /** Steps one finalization's schema checks may take together. */
  maxSteps: number;
}

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = {
  maxOutputBytes: 1024 * 1024,
  maxSteps: 25_000,
};

/** The check detail for an answer over `maxOutputBytes`; sizes only, never content. */
export function tooLargeToValidate(bytes: number, limits: ValidationLimits): string {
  return `output too large to validate: ${bytes} bytes, more than the ${limits.maxOutputBytes} this gateway validates`;
}

export const OVER_BUDGET_DETAIL =
  'output too costly to validate: the schema check needed more steps than this gateway allows';
