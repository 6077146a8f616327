/**
 * Policy-supplied regular expressions, compiled with RE2JS (a port of RE2): matching is
 * linear in the input, so no pattern — however it was written — can hang the process
 * with catastrophic backtracking. Constructs RE2 cannot run in linear time
 * (backreferences, lookaround) are rejected when the policy is loaded.
 *
 * Linear is not enough on its own: the cost per character (and of compiling) grows with
 * the compiled program, so a program is limited in size (`PATTERN_LIMITS`), and a
 * pattern whose syntax asks for far more than that (`\w{1,1000}` repeated) is refused
 * before it is compiled. Compiled patterns are kept in a bounded cache keyed by source
 * and flags: the pattern a policy compiled when it was published is the one its first
 * generation uses, with the streaming matcher's tables already built.
 */
import { RE2JS } from 're2js';
import { limitExceeded, PATTERN_LIMITS, type PatternLimitName } from './pattern-limits.ts';
import { type PatternProgram, programOf } from './pattern-program.ts';
import { estimateProgramSize } from './pattern-size.ts';

export interface SafePatternOptions {
  caseInsensitive?: boolean;
  /** Which size limit applies: one pattern (the default) or a whole term list. */
  limit?: 'maxPatternInstructions' | 'maxTermInstructions';
  /** At most this many instructions, when less than the limit allows (what a policy has left). */
  maxInstructions?: number;
}

/**
 * Syntax estimates of hand-written patterns err high (RE2 merges alternatives and
 * classes), so compiling one is refused only past this multiple of the limit; the
 * compiled size is then checked exactly. A term list's prefix tree has nothing to merge:
 * its estimate is its size.
 */
const ESTIMATE_SLACK = { maxPatternInstructions: 4, maxTermInstructions: 1 } as const;
/** Instructions the cache may hold in all, so it stays a few megabytes at most. */
const CACHE_INSTRUCTIONS = 200_000;
const cache = new Map<string, SafePattern>();
let cachedInstructions = 0;

export interface PatternMatch {
  start: number;
  end: number;
  text: string;
}

const UNSAFE_PATTERN_ERROR = Symbol.for('sluice.guardrails.unsafe-pattern-error');

export class UnsafePatternError extends Error {
  readonly [UNSAFE_PATTERN_ERROR] = true;
  override readonly name = 'UnsafePatternError';
  readonly retryable = false;
  /** The size limit the pattern exceeds, when that is the reason. */
  readonly limit: PatternLimitName | undefined;

  constructor(message: string, limit?: PatternLimitName) {
    super(message);
    this.limit = limit;
  }

  static isInstance(value: unknown): value is UnsafePatternError {
    return typeof value === 'object' && value !== null && UNSAFE_PATTERN_ERROR in value;
  }
}

export class SafePattern {
  readonly source: string;
  readonly #compiled: RE2JS;
  #program: PatternProgram | undefined;

  private constructor(source: string, compiled: RE2JS) {
    this.source = source;
    this.#compiled = compiled;
  }

  /**
   * Compiles (or takes from the cache) or throws `UnsafePatternError` with the engine's
   * reason or the limit it exceeds (never the input text).
   */
  static compile(source: string, options: SafePatternOptions = {}): SafePattern {
    const limit = options.limit ?? 'maxPatternInstructions';
    const maxInstructions = Math.min(options.maxInstructions ?? Infinity, PATTERN_LIMITS[limit]);
    const flags = options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0;
    const key = `${flags}:${source}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      checkSize(cached.instructions, maxInstructions, limit);
      // Most recently used last, so the oldest is evicted first.
      cache.delete(key);
      cache.set(key, cached);
      return cached;
    }
    const estimate = estimateProgramSize(source);
    if (estimate > maxInstructions * ESTIMATE_SLACK[limit]) {
      throw new UnsafePatternError(
        limitExceeded(
          limit,
          `the pattern asks for about ${estimate} instructions, more than the ${maxInstructions} allowed`,
        ),
        limit,
      );
    }
    let pattern: SafePattern;
    let instructions: number;
    try {
      pattern = new SafePattern(source, RE2JS.compile(source, flags));
      instructions = pattern.instructions;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnsafePatternError(`pattern is not supported by the linear-time engine: ${reason}`);
    }
    checkSize(instructions, maxInstructions, limit);
    remember(key, pattern);
    return pattern;
  }

  /** The size of the compiled program: what matching costs per character, at most. */
  get instructions(): number {
    return this.program.instructions.length;
  }

  test(input: string): boolean {
    return this.#compiled.matcher(input).find();
  }

  /** The leftmost match starting at or after `from`; the text before `from` is context. */
  firstMatchFrom(input: string, from: number): PatternMatch | undefined {
    const matcher = this.#compiled.matcher(input);
    if (!matcher.find(from)) return undefined;
    const start = matcher.start();
    const end = matcher.end();
    return { start, end, text: input.slice(start, end) };
  }

  /** The compiled instructions, for the streaming matcher. */
  get program(): PatternProgram {
    this.#program ??= programOf(this.#compiled);
    return this.#program;
  }

  /** Every non-overlapping match, left to right. */
  *matches(input: string): Generator<PatternMatch> {
    const matcher = this.#compiled.matcher(input);
    while (matcher.find()) {
      const start = matcher.start();
      const end = matcher.end();
      yield { start, end, text: input.slice(start, end) };
      // An empty match would repeat forever at the same position.
      if (end === start && end >= input.length) return;
    }
  }
}

function checkSize(
  instructions: number,
  maxInstructions: number,
  limit: NonNullable<SafePatternOptions['limit']>,
): void {
  if (instructions <= maxInstructions) return;
  throw new UnsafePatternError(
    limitExceeded(
      limit,
      `the pattern compiles to ${instructions} instructions, more than the ${maxInstructions} allowed`,
    ),
    limit,
  );
}

function remember(key: string, pattern: SafePattern): void {
  cache.set(key, pattern);
  cachedInstructions += pattern.instructions;
  for (const [oldKey, old] of cache) {
    if (cachedInstructions <= CACHE_INSTRUCTIONS || old === pattern) break;
    cache.delete(oldKey);
    cachedInstructions -= old.instructions;
  }
}
