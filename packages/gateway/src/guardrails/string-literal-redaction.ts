/**
 * The redaction of one JSON string literal's decoded contents: a `GuardrailSession` with
 * the policy's redactors only (blocking and window rules are for the generation's text),
 * whose released text is re-encoded as JSON string content, so a replaced value keeps the
 * arguments valid JSON. A high surrogate at the end of a release waits for the next one:
 * encoded together with its low half it is the character itself, encoded alone it would
 * be a `\ud83d` escape, and the output must not depend on where the fragments were split.
 */
import { type GuardrailOutput, GuardrailSession } from './guardrail-session.ts';
import type { Guardrails } from './guardrails.ts';

const redactionOnlyCache = new WeakMap<Guardrails, Guardrails>();

/** The same guardrails without blocking or window rules; one copy per compiled policy. */
export function redactionOnly(guardrails: Guardrails): Guardrails {
  let copy = redactionOnlyCache.get(guardrails);
  if (!copy) {
    copy = { ...guardrails, blockRules: [], windowRules: [] };
    redactionOnlyCache.set(guardrails, copy);
  }
  return copy;
}

/** JSON string content for `text`, without the surrounding quotes. */
export function encodeStringContent(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export class StringLiteralRedaction {
  readonly #session: GuardrailSession;
  #heldSurrogate = '';

  constructor(guardrails: Guardrails) {
    this.#session = new GuardrailSession(redactionOnly(guardrails));
  }

  /** Decoded characters received but not yet released. */
  get holdbackChars(): number {
    return this.#session.holdbackChars + this.#heldSurrogate.length;
  }

  /** Takes decoded contents; returns what may be released, encoded. */
  push(decoded: string): GuardrailOutput {
    return this.#encode(this.#session.push(decoded), false);
  }

  /** The literal is over (closing quote or end of input): everything held is released. */
  end(): GuardrailOutput {
    return this.#encode(this.#session.end(), true);
  }

  #encode(output: GuardrailOutput, last: boolean): GuardrailOutput {
    let text = this.#heldSurrogate + output.text;
    this.#heldSurrogate = '';
    if (!last && text.length > 0 && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.#heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    return { ...output, text: encodeStringContent(text) };
  }
}
