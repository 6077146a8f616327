/**
 * The guardrails of one generation, between the model's deltas and the stream log. Deltas
 * go in; out comes the text that is safe to release, already redacted. Text is held back
 * only from the earliest position where a redaction or blocking match could still begin,
 * so the released text is the same however the model split it into tokens (equal to
 * `redactText` on the whole text), and the holdback is usually a single partial word.
 *
 * Blocking rules see the raw text; a blocking match stops the session, and nothing from
 * the start of the match on is ever released.
 */
import type { BlockKind, Guardrails, WindowRule } from './guardrails.ts';
import { countsOf, type RedactionCount } from './redact-text.ts';
import { StreamingMatcher, type TextView } from './streaming-matcher.ts';
import { WindowCheck } from './window-check.ts';

export interface GuardrailOutput {
  /** Redacted text that may be released now (possibly empty). */
  text: string;
  /** Redactions applied to `text`, by kind; never the values. */
  redactions: RedactionCount[];
  /** Set once: the generation must stop with finish reason `content-filter`. */
  blocked?: { rule: string; kind: BlockKind };
  /**
   * The holdback cap was reached. `failed-closed`: the session stopped and the held text
   * is dropped (stop the generation). `released`: the held text was redacted as if the
   * text had ended there and released; the session goes on.
   */
  overflow?: 'failed-closed' | 'released';
}

interface Candidate {
  start: number;
  end: number;
}

/** Context kept before the cursor: one code point, so assertions like `\b` still work. */
const CONTEXT_UNITS = 2;

export class GuardrailSession {
  readonly #guardrails: Guardrails;
  readonly #redactionMatchers: StreamingMatcher[];
  /** The checked final match of each redaction matcher, once known. */
  readonly #candidates: Array<Candidate | undefined>;
  readonly #blockMatchers: StreamingMatcher[];
  readonly #windowCheck: WindowCheck | undefined;
  /** Raw text from `#bufferOffset` to the end of what was received. */
  #buffer = '';
  #bufferOffset = 0;
  /** Everything before the cursor has been released (redacted). */
  #cursor = 0;
  #closed = false;
  #output = '';
  #counts = new Map<string, number>();

  constructor(guardrails: Guardrails) {
    this.#guardrails = guardrails;
    this.#redactionMatchers = guardrails.redactors.map(
      (redactor) => new StreamingMatcher(redactor.pattern.program),
    );
    this.#candidates = guardrails.redactors.map(() => undefined);
    this.#blockMatchers = guardrails.blockRules.map(
      (rule) => new StreamingMatcher(rule.pattern.program),
    );
    this.#windowCheck =
      guardrails.windowRules.length > 0
        ? new WindowCheck(guardrails.windowRules, guardrails.window)
        : undefined;
  }

  /** Raw characters received but not yet released: the holdback, for a metric. */
  get holdbackChars(): number {
    return this.#bufferOffset + this.#buffer.length - this.#cursor;
  }

  /** True after a block, a fail-closed overflow, or `end()`: nothing more comes out. */
  get closed(): boolean {
    return this.#closed;
  }

  push(delta: string): GuardrailOutput {
    if (this.#closed || delta.length === 0) return { text: '', redactions: [] };
    this.#buffer += delta;
    const windowBreak = this.#windowCheck?.push(delta);
    return this.#process(false, windowBreak);
  }

  /** The text has ended: everything still held is decided and released. */
  end(): GuardrailOutput {
    if (this.#closed) return { text: '', redactions: [] };
    return this.#process(true, this.#windowCheck?.end());
  }

  #process(endOfText: boolean, windowBreak: WindowRule | undefined): GuardrailOutput {
    const view: TextView = { text: this.#buffer, offset: this.#bufferOffset };
    const received = view.offset + view.text.length;
    let blocked: GuardrailOutput['blocked'];
    let limit = received;
    this.#blockMatchers.forEach((matcher, index) => {
      matcher.advance(view, endOfText);
      limit = Math.min(limit, matcher.pendingStart);
      const match = matcher.match;
      if (match) {
        limit = Math.min(limit, match.start);
        const rule = this.#guardrails.blockRules[index];
        if (rule && !blocked) blocked = { rule: rule.name, kind: rule.kind };
      }
    });
    if (windowBreak) {
      // The window's text is spread out; stop releasing right here.
      limit = this.#cursor;
      blocked ??= { rule: windowBreak.name, kind: 'window' };
    }
    this.#redact(view, endOfText, limit);
    let overflow: GuardrailOutput['overflow'];
    if (blocked || endOfText) {
      this.#closed = true;
    } else if (received - this.#cursor > this.#guardrails.holdbackMaxChars) {
      if (this.#guardrails.onHoldbackOverflow === 'fail-closed') {
        this.#closed = true;
        overflow = 'failed-closed';
      } else {
        overflow = 'released';
        this.#redact(view, true, received);
        for (const matcher of [...this.#redactionMatchers, ...this.#blockMatchers]) {
          matcher.reset(received);
        }
        this.#candidates.fill(undefined);
      }
    }
    this.#trim();
    const output: GuardrailOutput = { text: this.#output, redactions: countsOf(this.#counts) };
    this.#output = '';
    this.#counts = new Map();
    if (blocked) output.blocked = blocked;
    if (overflow) output.overflow = overflow;
    return output;
  }

  /** Releases everything before `limit` that no future text can change. */
  #redact(view: TextView, endOfText: boolean, limit: number): void {
    const redactors = this.#guardrails.redactors;
    const matchers = this.#redactionMatchers;
    for (;;) {
      let winner: { candidate: Candidate; index: number } | undefined;
      let pending = Number.POSITIVE_INFINITY;
      let retry = false;
      for (let index = 0; index < matchers.length; index += 1) {
        const matcher = matchers[index] as StreamingMatcher;
        matcher.advance(view, endOfText);
        if (!matcher.settled) {
          pending = Math.min(pending, matcher.pendingStart);
          continue;
        }
        let candidate = this.#candidates[index];
        if (!candidate) {
          const match = matcher.match as Candidate;
          const value = this.#slice(view, match.start, match.end);
          const length = (redactors[index] as (typeof redactors)[number]).check(value);
          if (length === 0) {
            // Rejected by its check: search again one code point later, like redactText.
            matcher.reset(match.start + ((value.codePointAt(0) ?? 0) > 0xffff ? 2 : 1));
            retry = true;
            continue;
          }
          candidate = { start: match.start, end: match.start + length };
          this.#candidates[index] = candidate;
        }
        const best = winner?.candidate;
        if (
          !best ||
          candidate.start < best.start ||
          (candidate.start === best.start && candidate.end > best.end)
        ) {
          winner = { candidate, index };
        }
      }
      if (retry) continue;
      if (winner && winner.candidate.start < pending && winner.candidate.end <= limit) {
        this.#commit(view, winner.candidate, winner.index);
        continue;
      }
      const safe = Math.min(pending, winner?.candidate.start ?? pending, limit);
      if (safe > this.#cursor) {
        this.#output += this.#slice(view, this.#cursor, safe);
        this.#cursor = safe;
      }
      return;
    }
  }

  #commit(view: TextView, candidate: Candidate, index: number): void {
    const redactor = this.#guardrails.redactors[index];
    if (!redactor) return;
    this.#output += this.#slice(view, this.#cursor, candidate.start);
    this.#output += redactor.replace(this.#slice(view, candidate.start, candidate.end));
    this.#counts.set(redactor.kind, (this.#counts.get(redactor.kind) ?? 0) + 1);
    this.#cursor = candidate.end;
    // Searches that began before the end of the replaced match start over after it.
    this.#redactionMatchers.forEach((matcher, other) => {
      const start = matcher.settled
        ? (this.#candidates[other]?.start ?? matcher.pendingStart)
        : Math.min(matcher.pendingStart, matcher.match?.start ?? matcher.pendingStart);
      if (start < candidate.end) {
        matcher.reset(candidate.end);
        this.#candidates[other] = undefined;
      }
    });
  }

  #slice(view: TextView, start: number, end: number): string {
    return view.text.slice(start - view.offset, end - view.offset);
  }

  /** Drops released text, keeping a little context for assertions at the cursor. */
  #trim(): void {
    const keepFrom = Math.max(this.#bufferOffset, this.#cursor - CONTEXT_UNITS);
    if (keepFrom - this.#bufferOffset < 256 && !this.#closed) return;
    this.#buffer = this.#buffer.slice(keepFrom - this.#bufferOffset);
    this.#bufferOffset = keepFrom;
  }
}
