/**
 * Policy-supplied regular expressions, compiled with RE2JS (a port of RE2): matching is
 * linear in the input, so no pattern — however it was written — can hang the process
 * with catastrophic backtracking. Constructs RE2 cannot run in linear time
 * (backreferences, lookaround) are rejected when the policy is loaded.
 */
import { RE2JS } from 're2js';

export interface SafePatternOptions {
  caseInsensitive?: boolean;
}

export interface PatternMatch {
  start: number;
  end: number;
  text: string;
}

export class UnsafePatternError extends Error {
  override readonly name = 'UnsafePatternError';
}

export class SafePattern {
  readonly source: string;
  readonly #compiled: RE2JS;

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
