/**
 * Policy-supplied regular expressions, compiled with RE2JS (a port of RE2): matching is
 * linear in the input, so no pattern — however it was written — can hang the process
 * with catastrophic backtracking. Constructs RE2 cannot run in linear time
 * (backreferences, lookaround) are rejected when the policy is loaded.
 */
import { RE2JS } from 're2js';
import { type PatternProgram, programOf } from './pattern-program.ts';

export interface SafePatternOptions {
  caseInsensitive?: boolean;
}

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

  /** Compiles or throws `UnsafePatternError` with the engine's reason (never the input text). */
  static compile(source: string, options: SafePatternOptions = {}): SafePattern {
    try {
      const flags = options.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0;
      return new SafePattern(source, RE2JS.compile(source, flags));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnsafePatternError(`pattern is not supported by the linear-time engine: ${reason}`);
    }
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
