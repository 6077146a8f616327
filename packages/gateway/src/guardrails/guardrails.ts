/**
 * Compiled guardrails: the immutable, shareable result of a policy. One `Guardrails` serves
 * every generation; each generation gets its own `GuardrailSession` from it.
 */
import type { Replace } from './replacement.ts';
import type { SafePattern } from './safe-pattern.ts';

export interface Redactor {
  /** `email`, `card`, … or the name of a custom pattern or term list. */
  readonly kind: string;
  readonly pattern: SafePattern;
  /** The length of the entity at the start of the candidate, or 0 to reject it. */
  readonly check: (value: string) => number;
  readonly replace: Replace;
}

export type BlockKind = 'term' | 'pattern' | 'window';

export interface BlockRule {
  readonly name: string;
  readonly kind: 'term' | 'pattern';
  readonly pattern: SafePattern;
}

export interface WindowRule {
  readonly name: string;
  readonly pattern: SafePattern;
  /** How many matches inside one window stop the generation. */
  readonly minMatches: number;
}

export type HoldbackOverflowAction = 'fail-closed' | 'release';

/** What the redaction detectors do to tool-call arguments; see the policy schema. */
export const TOOL_ARGUMENTS_MODES = ['pass', 'redact', 'block'] as const;
export type ToolArgumentsMode = (typeof TOOL_ARGUMENTS_MODES)[number];

/** The detectors a policy applies to request messages before they leave for the model. */
export interface InputGuardrails {
  /** Redacted in the messages, in priority order. */
  readonly redactors: readonly Redactor[];
  /** Any match refuses the request. */
  readonly blockers: readonly Redactor[];
}

export interface Guardrails {
  /** In priority order: on equal start and length, the earlier redactor wins. */
  readonly redactors: readonly Redactor[];
  readonly blockRules: readonly BlockRule[];
  readonly windowRules: readonly WindowRule[];
  readonly window: { readonly size: number; readonly overlap: number };
  readonly holdbackMaxChars: number;
  readonly onHoldbackOverflow: HoldbackOverflowAction;
  readonly toolArguments: ToolArgumentsMode;
  readonly input: InputGuardrails;
}
