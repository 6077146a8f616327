/**
 * Redacts the JSON arguments of one tool call as they stream, fragment by fragment (a
 * fragment may end anywhere, even inside an escape sequence or a surrogate pair). The text
 * is lexed one code unit at a time, the state surviving fragment boundaries:
 *
 * - Structure (braces, brackets, colons, commas, whitespace, quotes) passes through as is.
 * - The decoded contents of every string literal, object keys included (a key can be an
 *   e-mail address as easily as a value), run through the policy's redactors as text does,
 *   and are re-encoded as JSON string content: `"a\u0040b.io"` becomes `"[EMAIL]"`. Two
 *   keys may redact to the same key; that is still JSON, and safer than leaking one.
 *   Only text where a match could still begin is held, and only until the closing quote.
 * - A number (or literal) is held whole and redacted as text; one that contains a detected
 *   value (a card number written as a number) becomes a JSON string of its replacement, so
 *   the value's type changes but the arguments stay valid JSON.
 * - At the first point where the text stops being JSON, the redactor falls back to
 *   redacting the rest as plain text (single-quoted or unquoted values are still found,
 *   but escape sequences are no longer decoded there), and `end()` reports `valid: false`.
 *   Text that ends early (a cut-off stream) is released as it came, also with
 *   `valid: false`; so is a string JSON does not allow (a raw control character, an unknown
 *   escape), kept as text and re-encoded. Nothing here throws on bad input.
 *
 * The output is the same however the input was split; for valid JSON it is valid JSON of
 * the same shape whose strings equal `redactText` of the original strings.
 *
 * In `block` mode a detection anywhere stops the tool call: the push (or end) that finds it
 * returns `blocked` with the detector's kind as the rule and no text at all, and the
 * redactor closes. The producer then stops the generation as for a blocking rule
 * (finish reason `content-filter`); the text of that push must not be released.
 */
import type { GuardrailOutput } from './guardrail-session.ts';
import { GuardrailSession } from './guardrail-session.ts';
import type { Guardrails } from './guardrails.ts';
import { isJsonScalar, JsonGrammar, type JsonToken } from './json-grammar.ts';
import { JsonStringDecoder } from './json-string-decoder.ts';
import { countsOf, type RedactionCount, redactText } from './redact-text.ts';
import { redactionOnly, StringLiteralRedaction } from './string-literal-redaction.ts';

export type ArgumentsRedactionMode = 'redact' | 'block';

export interface ArgumentsOutput {
  /** Redacted arguments text that may be released now (possibly empty). */
  text: string;
  /** Redactions applied to `text` (or, when blocked, found), by kind; never the values. */
  redactions: RedactionCount[];
  /** `block` mode only, set once: stop the generation; `rule` is the detector's kind. */
  blocked?: { rule: string; kind: 'pattern' };
  /** As for `GuardrailOutput`: `failed-closed` means the redactor stopped (stop the call). */
  overflow?: 'failed-closed' | 'released';
}

export interface ArgumentsEndOutput extends ArgumentsOutput {
  /** The whole input was exactly one JSON value. */
  valid: boolean;
}

const WHITESPACE = ' \t\n\r';

const STRUCTURE: Readonly<Record<string, JsonToken>> = {
  '{': 'open-object',
  '}': 'close-object',
  '[': 'open-array',
  ']': 'close-array',
  ':': 'colon',
  ',': 'comma',
  '"': 'string',
};

interface OpenString {
  readonly decoder: JsonStringDecoder;
  readonly redaction: StringLiteralRedaction;
  /** Decoded in the current fragment, not yet given to the redaction. */
  decoded: string;
}

export class JsonArgumentsRedactor {
  readonly #guardrails: Guardrails;
  readonly #mode: ArgumentsRedactionMode;
  readonly #grammar = new JsonGrammar();
  /** False once the input broke a JSON rule. */
  #valid = true;
  #string: OpenString | undefined;
  /** A number or literal in progress: held whole. */
  #scalar = '';
  /** Set once the input stopped being JSON: the rest is redacted as plain text. */
  #plainText: GuardrailSession | undefined;
  #closed = false;
  // What the current push or end releases.
  #text = '';
  #counts = new Map<string, number>();
  #overflow: ArgumentsOutput['overflow'];

  constructor(guardrails: Guardrails, mode: ArgumentsRedactionMode = 'redact') {
    this.#guardrails = guardrails;
    this.#mode = mode;
  }

  /** True after a block, a fail-closed overflow, or `end()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Characters received but not yet released: the holdback, for a metric. */
  get holdbackChars(): number {
    const string = this.#string;
    return (
      this.#scalar.length +
      (string ? string.redaction.holdbackChars + string.decoded.length : 0) +
      (this.#plainText?.holdbackChars ?? 0)
    );
  }

  push(fragment: string): ArgumentsOutput {
    if (this.#closed || fragment.length === 0) return { text: '', redactions: [] };
    for (let index = 0; index < fragment.length && !this.#closed; index += 1) {
      if (this.#plainText) {
        this.#take(this.#plainText.push(fragment.slice(index)));
        break;
      }
      const unit = fragment[index] as string;
      if (this.#string) this.#readString(this.#string, unit);
      else this.#readStructure(unit);
    }
    if (this.#string && !this.#closed) {
      this.#take(this.#string.redaction.push(this.#string.decoded));
      this.#string.decoded = '';
    }
    return this.#release();
  }

  /** The arguments are complete: everything held is released. */
  end(): ArgumentsEndOutput {
    if (!this.#closed) {
      const string = this.#string;
      if (string) {
        this.#valid = false;
        this.#take(string.redaction.push(string.decoded + string.decoder.flush()));
        if (!this.#closed) this.#take(string.redaction.end());
        this.#string = undefined;
      } else {
        this.#resolveScalar();
      }
      if (this.#plainText && !this.#closed) this.#take(this.#plainText.end());
    }
    const output = this.#release();
    this.#closed = true;
    return { ...output, valid: this.#valid && this.#grammar.complete };
  }

  #readString(string: OpenString, unit: string): void {
    string.decoded += string.decoder.feed(unit);
    if (!string.decoder.closed) return;
    this.#take(string.redaction.push(string.decoded));
    if (this.#closed) return;
    this.#take(string.redaction.end());
    this.#text += '"';
    if (!string.decoder.valid) this.#valid = false;
    this.#string = undefined;
  }

  #readStructure(unit: string): void {
    const token = STRUCTURE[unit];
    if (token === undefined && !WHITESPACE.includes(unit)) {
      this.#scalar += unit;
      // JSON has no number this long; treat it as text rather than hold it without end.
      if (this.#scalar.length > this.#guardrails.holdbackMaxChars) {
        this.#fallBackToPlainText(this.#scalar);
        this.#scalar = '';
      }
      return;
    }
    this.#resolveScalar();
    if (this.#plainText) {
      this.#take(this.#plainText.push(unit));
      return;
    }
    if (token !== undefined && !this.#grammar.accept(token)) {
      this.#fallBackToPlainText(unit);
      return;
    }
    this.#text += unit;
    if (token === 'string') {
      this.#string = {
        decoder: new JsonStringDecoder(),
        redaction: new StringLiteralRedaction(this.#guardrails),
        decoded: '',
      };
    }
  }

  /** The held number or literal has ended: release it, redacted. */
  #resolveScalar(): void {
    const scalar = this.#scalar;
    if (scalar.length === 0) return;
    this.#scalar = '';
    if (!isJsonScalar(scalar) || !this.#grammar.accept('scalar')) {
      this.#fallBackToPlainText(scalar);
      return;
    }
    const redacted = redactText(this.#guardrails.redactors, scalar);
    this.#text += redacted.text === scalar ? scalar : JSON.stringify(redacted.text);
    this.#count(redacted.redactions);
  }

  #fallBackToPlainText(held: string): void {
    this.#valid = false;
    this.#plainText = new GuardrailSession(redactionOnly(this.#guardrails));
    this.#take(this.#plainText.push(held));
  }

  #take(output: GuardrailOutput): void {
    this.#text += output.text;
    this.#count(output.redactions);
    if (output.overflow === 'failed-closed') this.#closed = true;
    if (output.overflow && this.#overflow !== 'failed-closed') this.#overflow = output.overflow;
  }

  #count(redactions: readonly RedactionCount[]): void {
    for (const { kind, count } of redactions) {
      this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + count);
    }
  }

  #release(): ArgumentsOutput {
    const output: ArgumentsOutput = { text: this.#text, redactions: countsOf(this.#counts) };
    const firstKind = this.#counts.keys().next().value;
    if (this.#mode === 'block' && firstKind !== undefined) {
      output.text = '';
      output.blocked = { rule: firstKind, kind: 'pattern' };
      this.#closed = true;
    }
    if (this.#overflow) output.overflow = this.#overflow;
    this.#text = '';
    this.#counts = new Map();
    this.#overflow = undefined;
    return output;
  }
}
