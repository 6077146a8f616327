/**
 * What the resilience relay has delivered of one answer, part by part: the text so far (the
 * prefix a fallback model would continue from, kept only while some later model could),
 * whether a tool call has started (after which no model may take over), and the deltas of
 * the current model's segment for the usage estimate. At a seam whose prefix lost trailing
 * whitespace it also drops the whitespace the continuation starts with (see
 * `continuationMessages`). It runs once per relayed part, so it allocates nothing per part
 * beyond a trimmed delta at a seam.
 */
import type { LanguageModelStreamPart } from '../../providers/language-model.ts';
import type { SegmentDeltas } from './combined-usage.ts';

export class AnswerProgress {
  #text = '';
  #keepsText: boolean;
  #toolCallStarted = false;
  #stripLeadingWhitespace = false;
  #segment: SegmentDeltas = { output: 0, reasoning: 0 };

  /** `keepsText`: whether a later model could continue, so the text must be kept. */
  constructor(keepsText: boolean) {
    this.#keepsText = keepsText;
  }

  /** Starts the next model's segment, after a seam. */
  beginSegment(keepsText: boolean, stripLeadingWhitespace: boolean): void {
    this.#keepsText = keepsText;
    this.#stripLeadingWhitespace = stripLeadingWhitespace;
    this.#segment = { output: 0, reasoning: 0 };
  }

  /** The part to pass on, or `undefined` when it delivers nothing (an empty text delta). */
  relay(part: LanguageModelStreamPart): LanguageModelStreamPart | undefined {
    switch (part.type) {
      case 'text-delta':
        return this.#relayText(part);
      case 'reasoning-delta':
        this.#segment.output += 1;
        this.#segment.reasoning += 1;
        return part;
      case 'tool-call-start':
        this.#toolCallStarted = true;
        return part;
      case 'tool-call-delta':
        this.#segment.output += 1;
        return part;
      default:
        return part;
    }
  }

  /** The text delivered so far; complete only while `keepsText`. */
  get text(): string {
    return this.#text;
  }

  get keepsText(): boolean {
    return this.#keepsText;
  }

  get toolCallStarted(): boolean {
    return this.#toolCallStarted;
  }

  /** The deltas the current model delivered. */
  get segment(): SegmentDeltas {
    return this.#segment;
  }

  #relayText(part: Extract<LanguageModelStreamPart, { type: 'text-delta' }>) {
    let { delta } = part;
    if (this.#stripLeadingWhitespace) {
      delta = delta.trimStart();
      if (delta === '') return undefined;
      this.#stripLeadingWhitespace = false;
    }
    if (delta === '') return undefined;
    this.#segment.output += 1;
    if (this.#keepsText) this.#text += delta;
    return delta === part.delta ? part : { type: 'text-delta' as const, delta };
  }
}
