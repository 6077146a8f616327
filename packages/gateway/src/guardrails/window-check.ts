/**
 * The rolling-window blocking check: rules that count matches inside a window of raw text
 * (e.g. "three or more of these terms within 500 characters"). Windows of `size`
 * characters start every `size - overlap` characters, so any match no longer than the
 * overlap lies wholly inside some window however the stream was split. A window is judged
 * when it is complete (or when the text ends); text released before that stays released.
 */
import type { WindowRule } from './guardrails.ts';

export class WindowCheck {
  readonly #rules: readonly WindowRule[];
  readonly #size: number;
  readonly #step: number;
  /** Raw text from the start of the current window. */
  #text = '';
  #judgedUpTo = 0;
  #windowStart = 0;

  constructor(rules: readonly WindowRule[], window: { size: number; overlap: number }) {
    this.#rules = rules;
    this.#size = window.size;
    this.#step = window.size - window.overlap;
  }

  /** Adds raw text; returns the first rule a completed window breaks. */
  push(delta: string): WindowRule | undefined {
    this.#text += delta;
    while (this.#text.length >= this.#size) {
      const broken = this.#judge(this.#text.slice(0, this.#size));
      this.#judgedUpTo = this.#windowStart + this.#size;
      this.#windowStart += this.#step;
      this.#text = this.#text.slice(this.#step);
      if (broken) return broken;
    }
    return undefined;
  }

  /** Judges the last, partial window if it holds text no window has seen. */
  end(): WindowRule | undefined {
    if (this.#windowStart + this.#text.length <= this.#judgedUpTo) return undefined;
    return this.#judge(this.#text);
  }

  #judge(text: string): WindowRule | undefined {
    for (const rule of this.#rules) {
      let count = 0;
      for (const _ of rule.pattern.matches(text)) {
        count += 1;
        if (count >= rule.minMatches) return rule;
      }
    }
    return undefined;
  }
}
