/**
 * How large a policy's patterns and term lists may be. Every character a model writes is
 * stepped through every guardrail matcher, and a matcher's cost per character grows with
 * its compiled program (up to one live thread per instruction), as does compiling it;
 * validators scan the whole answer the same way, and window rules rescan their window.
 * These limits keep each of those bounded on the event loop every stream shares. They are
 * checked when a policy is published, before anything large is compiled.
 *
 * A limit a policy exceeds is reported as an issue whose message starts with
 * `limit <name> exceeded:` (see `limitExceeded`); the policy store answers those with
 * `SLUICE_ERR_POLICY_TOO_LARGE` rather than a plain invalid policy.
 */
export const PATTERN_LIMITS = {
  /** Instructions one compiled pattern may have (the built-in `secret` detector has 224). */
  maxPatternInstructions: 1_000,
  /** Instructions of all a policy's guardrail patterns together, built-in detectors included. */
  maxGuardrailInstructions: 10_000,
  /** Patterns (custom, blocking and window rules) in one guardrails policy. */
  maxGuardrailPatterns: 64,
  /** Terms in all the term lists of one guardrails policy. */
  maxTerms: 10_000,
  /** Instructions of all the term lists of one policy (each list compiles to a prefix tree). */
  maxTermInstructions: 10_000,
  /**
   * The window rules' cost per character: window size × their instructions × the windows
   * each character falls in (`ceil(size / (size - overlap))`).
   */
  maxWindowWork: 2_000_000,
  /** Instructions of all a validators section's patterns together. */
  maxValidatorInstructions: 10_000,
} as const;

export type PatternLimitName = keyof typeof PATTERN_LIMITS;

/** The issue message for an exceeded limit; the policy store recognises the prefix. */
export function limitExceeded(limit: PatternLimitName, detail: string): string {
  return `limit ${limit} exceeded: ${detail}`;
}
