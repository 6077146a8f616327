/**
 * The publish-time half of compiling a guardrails policy: every pattern and term list is
 * compiled here, within `PATTERN_LIMITS`, with the path of any problem, and the streaming
 * matcher's tables are built for it. The compiled patterns stay in `SafePattern`'s cache,
 * so the policy's first generation compiles nothing.
 *
 * Work stays bounded even for a hostile document: counts are checked before anything is
 * compiled, each pattern's size is estimated before it is compiled, and compiling stops
 * at the first pattern that takes the policy past its total.
 */
import type { z } from 'zod';
import { BUILT_IN_DETECTORS, BUILT_IN_KINDS, type BuiltInKind } from './detectors.ts';
import { limitExceeded, PATTERN_LIMITS } from './pattern-limits.ts';
import { canMatchEmpty } from './pattern-program.ts';
import { SafePattern, UnsafePatternError } from './safe-pattern.ts';
import { StreamingMatcher } from './streaming-matcher.ts';
import { distinctPrefixes, termsPattern } from './terms-pattern.ts';

interface PatternRuleLike {
  readonly pattern: string;
  readonly caseInsensitive: boolean;
}

interface TermListLike {
  readonly terms: readonly string[];
  readonly caseInsensitive: boolean;
}

/** The parts of a parsed guardrails policy that hold patterns. */
export interface PolicyPatterns {
  readonly redaction: {
    readonly detectors: Readonly<Record<BuiltInKind, { readonly enabled: boolean }>>;
    readonly customPatterns: readonly PatternRuleLike[];
    readonly terms: readonly TermListLike[];
  };
  readonly blocking: {
    readonly terms: readonly TermListLike[];
    readonly patterns: readonly PatternRuleLike[];
    readonly window: {
      readonly size: number;
      readonly overlap: number;
      readonly rules: readonly PatternRuleLike[];
    };
  };
}

/** Compiles the patterns and window rules; false when a limit stopped the checks. */
export function checkPatterns(policy: PolicyPatterns, context: z.RefinementCtx): boolean {
  const located = (prefix: PropertyKey[], rules: readonly PatternRuleLike[]) =>
    rules.map((rule, index) => ({ rule, path: [...prefix, index, 'pattern'] }));
  const rules = [
    ...located(['redaction', 'customPatterns'], policy.redaction.customPatterns),
    ...located(['blocking', 'patterns'], policy.blocking.patterns),
    ...located(['blocking', 'window', 'rules'], policy.blocking.window.rules),
  ];
  const maxPatterns = PATTERN_LIMITS.maxGuardrailPatterns;
  if (rules.length > maxPatterns) {
    context.addIssue({
      code: 'custom',
      path: [],
      message: limitExceeded(
        'maxGuardrailPatterns',
        `${rules.length} patterns (custom, blocking and window rules), more than ${maxPatterns}`,
      ),
    });
    return false;
  }
  let total = builtInInstructions(policy);
  const windowStart = rules.length - policy.blocking.window.rules.length;
  let windowInstructions = 0;
  for (const [index, { rule, path }] of rules.entries()) {
    let pattern: SafePattern;
    try {
      pattern = SafePattern.compile(rule.pattern, { caseInsensitive: rule.caseInsensitive });
    } catch (error) {
      context.addIssue({ code: 'custom', path, message: messageOf(error) });
      // A syntax error costs nothing to find; past a size limit, stop compiling.
      if (isOverLimit(error)) return false;
      continue;
    }
    total += pattern.instructions;
    if (index >= windowStart) windowInstructions += pattern.instructions;
    if (total > PATTERN_LIMITS.maxGuardrailInstructions) {
      context.addIssue({
        code: 'custom',
        path,
        message: limitExceeded(
          'maxGuardrailInstructions',
          `the detectors and patterns up to here compile to ${total} instructions, more than ${PATTERN_LIMITS.maxGuardrailInstructions}`,
        ),
      });
      return false;
    }
    if (canMatchEmpty(pattern.program)) {
      context.addIssue({ code: 'custom', path, message: 'pattern can match empty text' });
      continue;
    }
    // Window rules are matched on whole windows, not streamed.
    if (index < windowStart) prepareForStreaming(pattern);
  }
  // Each window is scanned whole by every rule, and a character lies in `size / step` windows.
  const { size, overlap } = policy.blocking.window;
  const windowsPerCharacter = Math.ceil(size / Math.max(1, size - overlap));
  const windowWork = size * windowInstructions * windowsPerCharacter;
  if (windowWork > PATTERN_LIMITS.maxWindowWork) {
    context.addIssue({
      code: 'custom',
      path: ['blocking', 'window'],
      message: limitExceeded(
        'maxWindowWork',
        `windows of ${size} characters, ${windowsPerCharacter} over each character, scanned by rules of ${windowInstructions} instructions, are ${windowWork}, more than ${PATTERN_LIMITS.maxWindowWork}`,
      ),
    });
    return false;
  }
  return true;
}

/** Compiles the term lists (redaction, then blocking) within the terms' limits. */
export function checkTermLists(policy: PolicyPatterns, context: z.RefinementCtx): void {
  const located = (prefix: PropertyKey[], lists: readonly TermListLike[]) =>
    lists.map((list, index) => ({ list, path: [...prefix, index, 'terms'] }));
  const lists = [
    ...located(['redaction', 'terms'], policy.redaction.terms),
    ...located(['blocking', 'terms'], policy.blocking.terms),
  ];
  const terms = lists.reduce((sum, { list }) => sum + list.terms.length, 0);
  if (terms > PATTERN_LIMITS.maxTerms) {
    context.addIssue({
      code: 'custom',
      path: [],
      message: limitExceeded(
        'maxTerms',
        `${terms} terms in all term lists, more than ${PATTERN_LIMITS.maxTerms}`,
      ),
    });
    return;
  }
  let remaining: number = PATTERN_LIMITS.maxTermInstructions;
  for (const { list, path } of lists) {
    try {
      const pattern = compileTermList(list, remaining);
      remaining -= pattern.instructions;
      prepareForStreaming(pattern);
    } catch (error) {
      context.addIssue({ code: 'custom', path, message: messageOf(error) });
      // A list over what is left means the lists together are over: stop compiling.
      return;
    }
  }
}

/**
 * Compiled term lists by the parsed list they came from: the policy store hands the
 * runtime the document it validated on publish, so its first generation neither rebuilds
 * the tree nor compiles.
 */
const compiledLists = new WeakMap<TermListLike, SafePattern>();

/** A term list's pattern (from the cache once the policy was published). */
export function compileTermList(
  list: TermListLike,
  maxInstructions: number = PATTERN_LIMITS.maxTermInstructions,
): SafePattern {
  const cached = compiledLists.get(list);
  if (cached !== undefined && cached.instructions <= maxInstructions) return cached;
  const prefixes = distinctPrefixes(list.terms, list.caseInsensitive);
  if (prefixes > maxInstructions) {
    throw new UnsafePatternError(
      limitExceeded(
        'maxTermInstructions',
        `the list needs at least ${prefixes} instructions (one per distinct prefix), more than the ${maxInstructions} allowed`,
      ),
      'maxTermInstructions',
    );
  }
  const pattern = SafePattern.compile(termsPattern(list.terms, list.caseInsensitive), {
    caseInsensitive: list.caseInsensitive,
    limit: 'maxTermInstructions',
    maxInstructions,
  });
  compiledLists.set(list, pattern);
  return pattern;
}

function builtInInstructions(policy: PolicyPatterns): number {
  let total = 0;
  for (const kind of BUILT_IN_KINDS) {
    if (!policy.redaction.detectors[kind].enabled) continue;
    // Compiled as `compileGuardrails` does, so both find the same cached pattern.
    total += SafePattern.compile(BUILT_IN_DETECTORS[kind].pattern).instructions;
  }
  return total;
}

/** Builds the matcher's start tables now, on publish, rather than in the first generation. */
function prepareForStreaming(pattern: SafePattern): void {
  new StreamingMatcher(pattern.program);
}

function isOverLimit(error: unknown): boolean {
  return UnsafePatternError.isInstance(error) && error.limit !== undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
