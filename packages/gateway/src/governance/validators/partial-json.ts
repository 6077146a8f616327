/**
 * An incremental JSON parser for structured output while it streams: feed each text
 * delta as it arrives and read the best-effort value parsed so far, e.g. to show
 * progress of a structured answer before it is complete.
 *
 * Written here rather than taken from a package: the common partial-JSON parsers re-parse
 * the whole buffer on every call (quadratic over a stream), and the streaming tokenizers
 * emit finished values only. This one keeps its state between deltas, so each delta costs
 * time proportional to its own length; it is strict JSON otherwise (no comments, no
 * trailing commas) and iterative, so deep nesting cannot overflow the stack.
 *
 * Best effort means: a string being written appears with the characters received so far
 * (an escape sequence only once complete); a number appears once it has a digit; `true`,
 * `false` and `null` appear once complete; an object key appears once its value starts.
 * A Markdown fence around the JSON (```json … ```) is skipped. After invalid input the
 * parser stops and keeps the last good value, with `error` saying what and where.
 *
 * The input is model output, so it may be hostile: numbers are checked one character at
 * a time by a small state machine (a run of `-` fails at the second one, not after a
 * regular expression rescans it on every delta) and may be at most `MAX_NUMBER_CHARS`
 * long, so no delta costs more than its own length plus a bounded constant.
 */

import type { PartialJsonState } from '@sluice/protocol';
import { JSON_SIMPLE_ESCAPES } from '../../guardrails/json-grammar.ts';
import {
  isCompleteNumber,
  isNumberCharacter,
  type NumberState,
  nextNumberState,
} from './json-number-grammar.ts';

export type { PartialJsonState };

const MAX_DEPTH = 512;
/** Longer than any number a model writes on purpose (a double needs at most 24). */
export const MAX_NUMBER_CHARS = 512;

type JsonObject = Record<string, unknown>;

type Frame =
  | {
      kind: 'object';
      value: JsonObject;
      key: string;
      expect: 'first-key' | 'key' | 'colon' | 'value' | 'comma';
    }
  | { kind: 'array'; value: unknown[]; expect: 'first-value' | 'value' | 'comma' };

type Token =
  | {
      kind: 'string';
      isKey: boolean;
      text: string;
      escape: 'none' | 'backslash' | 'unicode';
      hex: string;
    }
  | {
      kind: 'number';
      text: string;
      state: NumberState;
      /** Length of the longest prefix that is a complete number (0: none yet). */
      complete: number;
      /** The `complete` length last shown in the value. */
      shown: number;
    }
  | { kind: 'literal'; text: string; target: 'true' | 'false' | 'null' };

/** Where the value being parsed goes: a key of an object, an index of an array, or the root. */
interface Slot {
  container: JsonObject | unknown[] | undefined;
  key: string | number;
}

type Phase = 'before' | 'fence-line' | 'inside' | 'after' | 'failed';

export class PartialJsonParser {
  #phase: Phase = 'before';
  #sawFence = false;
  #root: unknown;
  #hasRoot = false;
  #error: string | undefined;
  #position = 0;
  readonly #stack: Frame[] = [];
  #token: Token | undefined;
  #slot: Slot = { container: undefined, key: 0 };

  /**
   * The value parsed so far (`undefined` while empty). It is the parser's live value:
   * later deltas keep filling it in, so copy it (`structuredClone`) to keep a snapshot.
   */
  get value(): unknown {
    return this.#root;
  }

  get state(): PartialJsonState {
    if (this.#phase === 'failed') return 'invalid';
    if (this.#phase === 'after') return 'complete';
    return this.#hasRoot ? 'partial' : 'empty';
  }

  /** Why the input is not JSON, with the character offset; undefined while it still could be. */
  get error(): string | undefined {
    return this.#error;
  }

  /** Consumes the next piece of text. Returns the best-effort value so far. */
  feed(delta: string): unknown {
    let index = 0;
    while (index < delta.length && this.#phase !== 'failed') {
      index = this.#step(delta, index);
    }
    this.#position += delta.length;
    this.#showPendingToken();
    return this.#root;
  }

  /** Handles input from `index` and returns the index of the next character to handle. */
  #step(input: string, index: number): number {
    const token = this.#token;
    if (token?.kind === 'string') return this.#continueString(token, input, index);
    const character = input[index] as string;
    if (token?.kind === 'number') {
      if (isNumberCharacter(character)) {
        const next = nextNumberState(token.state, character);
        if (next === undefined) return this.#fail('invalid number', index);
        if (token.text.length >= MAX_NUMBER_CHARS) return this.#fail('number too long', index);
        token.text += character;
        token.state = next;
        if (isCompleteNumber(next)) token.complete = token.text.length;
        return index + 1;
      }
      this.#token = undefined;
      if (!isCompleteNumber(token.state)) return this.#fail('invalid number', index);
      this.#completeValue(Number(token.text), false);
      return index; // The delimiter still has to be handled.
    }
    if (token?.kind === 'literal') {
      if (character !== token.target[token.text.length]) {
        return this.#fail(`invalid literal`, index);
      }
      token.text += character;
      if (token.text === token.target) {
        this.#token = undefined;
        this.#completeValue(literalValue(token.target), false);
      }
      return index + 1;
    }
    if (this.#phase === 'fence-line') {
      // The rest of the opening fence line is its info string (`json`), not content.
      return character === '\n' ? this.#enter('before', index + 1) : index + 1;
    }
    if (isWhitespace(character)) return index + 1;
    switch (this.#phase) {
      case 'before':
        if (character === '`' && !this.#sawFence) {
          this.#sawFence = true;
          return this.#enter('fence-line', index + 1);
        }
        this.#openSlot();
        return this.#startValue(character, index);
      case 'after':
        return character === '`'
          ? index + 1
          : this.#fail('unexpected text after the JSON value', index);
      default:
        return this.#inside(character, index);
    }
  }

  #inside(character: string, index: number): number {
    const frame = this.#stack.at(-1) as Frame;
    if (frame.kind === 'object') {
      switch (frame.expect) {
        case 'first-key':
        case 'key':
          if (character === '}' && frame.expect === 'first-key') return this.#closeContainer(index);
          if (character !== '"') return this.#fail('expected a string key', index);
          this.#token = { kind: 'string', isKey: true, text: '', escape: 'none', hex: '' };
          return index + 1;
        case 'colon':
          if (character !== ':') return this.#fail('expected ":"', index);
          frame.expect = 'value';
          return index + 1;
        case 'value':
          this.#openSlot();
          return this.#startValue(character, index);
        case 'comma':
          if (character === '}') return this.#closeContainer(index);
          if (character !== ',') return this.#fail('expected "," or "}"', index);
          frame.expect = 'key';
          return index + 1;
      }
    }
    switch (frame.expect) {
      case 'first-value':
      case 'value':
        if (character === ']' && frame.expect === 'first-value') return this.#closeContainer(index);
        this.#openSlot();
        return this.#startValue(character, index);
      case 'comma':
        if (character === ']') return this.#closeContainer(index);
        if (character !== ',') return this.#fail('expected "," or "]"', index);
        frame.expect = 'value';
        return index + 1;
    }
  }

  #startValue(character: string, index: number): number {
    this.#phase = 'inside';
    switch (character) {
      case '{':
      case '[': {
        if (this.#stack.length >= MAX_DEPTH) return this.#fail('nesting too deep', index);
        const frame: Frame =
          character === '{'
            ? { kind: 'object', value: {}, key: '', expect: 'first-key' }
            : { kind: 'array', value: [], expect: 'first-value' };
        this.#assign(frame.value);
        this.#stack.push(frame);
        return index + 1;
      }
      case '"':
        this.#token = { kind: 'string', isKey: false, text: '', escape: 'none', hex: '' };
        this.#assign('');
        return index + 1;
      case 't':
      case 'f':
      case 'n': {
        const target = character === 't' ? 'true' : character === 'f' ? 'false' : 'null';
        this.#token = { kind: 'literal', text: character, target };
        return index + 1;
      }
      default:
        if (character === '-' || (character >= '0' && character <= '9')) {
          const state = nextNumberState(undefined, character) as NumberState;
          const complete = isCompleteNumber(state) ? 1 : 0;
          this.#token = { kind: 'number', text: character, state, complete, shown: 0 };
          return index + 1;
        }
        return this.#fail('expected a JSON value', index);
    }
  }

  /** Consumes string characters in runs, so long strings cost one slice per delta. */
  #continueString(token: Extract<Token, { kind: 'string' }>, input: string, start: number): number {
    let index = start;
    while (index < input.length) {
      const character = input[index] as string;
      if (token.escape === 'backslash') {
        if (character === 'u') {
          token.escape = 'unicode';
          token.hex = '';
        } else {
          const escaped = JSON_SIMPLE_ESCAPES[character];
          if (escaped === undefined) return this.#fail('invalid escape sequence', index);
          token.text += escaped;
          token.escape = 'none';
        }
        index += 1;
        continue;
      }
      if (token.escape === 'unicode') {
        if (!/[0-9a-fA-F]/.test(character)) return this.#fail('invalid \\u escape', index);
        token.hex += character;
        if (token.hex.length === 4) {
          token.text += String.fromCharCode(Number.parseInt(token.hex, 16));
          token.escape = 'none';
        }
        index += 1;
        continue;
      }
      let end = index;
      while (end < input.length) {
        const code = input.charCodeAt(end);
        if (code === 0x22 || code === 0x5c || code < 0x20) break;
        end += 1;
      }
      token.text += input.slice(index, end);
      if (end === input.length) return end;
      const code = input.charCodeAt(end);
      if (code < 0x20) return this.#fail('control character in a string', end);
      if (code === 0x5c) {
        token.escape = 'backslash';
        index = end + 1;
        continue;
      }
      this.#token = undefined;
      if (token.isKey) {
        const frame = this.#stack.at(-1) as Extract<Frame, { kind: 'object' }>;
        frame.key = token.text;
        frame.expect = 'colon';
      } else {
        this.#completeValue(token.text, false);
      }
      return end + 1;
    }
    return index;
  }

  #closeContainer(index: number): number {
    const frame = this.#stack.pop() as Frame;
    // The container was assigned when it opened; only its parent needs to move on.
    this.#slot = this.#slotForCurrentFrame();
    this.#completeValue(frame.value, true);
    return index + 1;
  }

  #completeValue(value: unknown, alreadyAssigned: boolean): void {
    if (!alreadyAssigned) this.#assign(value);
    const frame = this.#stack.at(-1);
    if (frame === undefined) {
      this.#phase = 'after';
      return;
    }
    frame.expect = 'comma';
  }

  /** Fixes where the next value goes, before the value starts. */
  #openSlot(): void {
    this.#slot = this.#slotForCurrentFrame();
  }

  #slotForCurrentFrame(): Slot {
    const frame = this.#stack.at(-1);
    if (frame === undefined) return { container: undefined, key: 0 };
    if (frame.kind === 'object') return { container: frame.value, key: frame.key };
    return { container: frame.value, key: frame.value.length };
  }

  #assign(value: unknown): void {
    const { container, key } = this.#slot;
    if (container === undefined) {
      this.#root = value;
      this.#hasRoot = true;
    } else if (Array.isArray(container)) {
      container[key as number] = value;
    } else {
      // A plain assignment to "__proto__" would change the prototype instead of adding a key.
      Object.defineProperty(container, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }

  /** Shows the string or number being written in the value, as far as it is known. */
  #showPendingToken(): void {
    const token = this.#token;
    if (token === undefined || this.#phase === 'failed') return;
    if (token.kind === 'string' && !token.isKey) this.#assign(token.text);
    // Only when it grew: the number is at most MAX_NUMBER_CHARS, but need not be re-read.
    if (token.kind === 'number' && token.complete > token.shown) {
      token.shown = token.complete;
      this.#assign(Number(token.text.slice(0, token.complete)));
    }
  }

  #enter(phase: Phase, index: number): number {
    this.#phase = phase;
    return index;
  }

  #fail(reason: string, index: number): number {
    this.#phase = 'failed';
    this.#token = undefined;
    this.#error = `${reason} at offset ${this.#position + index}`;
    return index;
  }
}

function isWhitespace(character: string): boolean {
  return character === ' ' || character === '\n' || character === '\r' || character === '\t';
}

function literalValue(target: 'true' | 'false' | 'null'): boolean | null {
  return target === 'true' ? true : target === 'false' ? false : null;
}
