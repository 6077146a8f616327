/**
 * Decodes the contents of one JSON string literal, one UTF-16 code unit at a time, so an
 * escape split between two fragments (`\u00` + `e9`) decodes the same as a whole one. The
 * decoded text is what the detectors must see: `john\u0040example.com` is an e-mail.
 *
 * Surrogate pairs need nothing special here: `\ud83d\ude00` decodes to two code units
 * that simply follow each other in the decoded text, as a raw emoji would.
 *
 * Text JSON does not allow (a raw control character, an unknown escape, a `\u` without
 * four hex digits) is kept as literal text and noted in `valid`, so nothing is lost and
 * the caller can report the arguments as invalid.
 */
import { JSON_SIMPLE_ESCAPES } from './json-grammar.ts';

const HEX_DIGIT = /^[0-9A-Fa-f]$/;

export class JsonStringDecoder {
  #state: 'content' | 'escape' | 'unicode' = 'content';
  #hexDigits = '';
  #closed = false;
  #valid = true;

  /** The closing quote has been read. */
  get closed(): boolean {
    return this.#closed;
  }

  /** False once the literal broke a JSON rule. */
  get valid(): boolean {
    return this.#valid;
  }

  /** Reads one code unit of the literal; returns the decoded text it completes. */
  feed(unit: string): string {
    if (this.#state === 'escape') {
      this.#state = 'content';
      if (unit === 'u') {
        this.#state = 'unicode';
        this.#hexDigits = '';
        return '';
      }
      const simple = JSON_SIMPLE_ESCAPES[unit];
      if (simple !== undefined) return simple;
      this.#valid = false;
      return `\\${unit}`;
    }
    if (this.#state === 'unicode') {
      if (HEX_DIGIT.test(unit)) {
        this.#hexDigits += unit;
        if (this.#hexDigits.length < 4) return '';
        this.#state = 'content';
        return String.fromCharCode(Number.parseInt(this.#hexDigits, 16));
      }
      // A broken `\u` escape: keep it as text and read this unit afresh.
      this.#valid = false;
      const broken = `\\u${this.#hexDigits}`;
      this.#state = 'content';
      return broken + this.feed(unit);
    }
    if (unit === '"') {
      this.#closed = true;
      return '';
    }
    if (unit === '\\') {
      this.#state = 'escape';
      return '';
    }
    if (unit.charCodeAt(0) < 0x20) this.#valid = false;
    return unit;
  }

  /** The input ended inside the literal: an unfinished escape is returned as text. */
  flush(): string {
    this.#valid = false;
    const state = this.#state;
    this.#state = 'content';
    if (state === 'escape') return '\\';
    if (state === 'unicode') return `\\u${this.#hexDigits}`;
    return '';
  }
}
