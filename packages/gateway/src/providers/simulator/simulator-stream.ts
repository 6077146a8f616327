/**
 * One simulated answer as a hand-written async iterator. A load test runs thousands of these
 * at once, so the hot path is lean: each stream owns at most two timers (first token, then one
 * `refresh()`ed for every later token), walks the shared corpus arrays by index, and allocates
 * per token only what the iterator protocol demands. Aborting clears the timers at once, so
 * nothing holds the event loop after a cancel.
 *
 * The parts come in this order: metadata; `reasoningTokens` reasoning deltas; then either text
 * tokens or, with a tool call, its start, its arguments in fragments and its end; the finish.
 * Reasoning deltas, text tokens, the tool call's start and its later fragments are paced (the
 * first after the time to first token, the rest one interval apart); the first fragment comes
 * with the start, as a real upstream's first tool-call chunk carries both; metadata, the tool
 * call's end and the finish follow at once. Every delta (reasoning, text or arguments
 * fragment) counts as a token, for `failAfterTokens`, `stallAfterTokens` and the reported
 * output tokens.
 */
import { type LanguageModelStreamPart, ProviderError } from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import type { SeededRandom } from './seeded-random.ts';
import { CORPUS_TOKENS, ENDS_SENTENCE, SENTENCE_STARTS } from './simulator-tokens.ts';

/** The tool call a simulated answer makes instead of writing text. */
export interface SimulatedToolCall {
  toolCallId: string;
  toolName: string;
  /** The JSON arguments string, streamed in fragments that concatenate to it exactly. */
  arguments: string;
}

export interface SimulatorStreamPlan {
  random: SeededRandom;
  responseId: string;
  modelId: string;
  /** Exact text token count when the request set `maxTokens`. */
  maxTokens: number | undefined;
  /** Used without `maxTokens`: the answer ends at the first sentence end from here on. */
  naturalLength: number;
  /** Hard cap for the natural length, in case no sentence ends soon enough. */
  naturalLengthCap: number;
  inputTokens: number;
  timeToFirstTokenMs: number;
  tokenIntervalMs: number;
  failAfterTokens: number | undefined;
  stallAfterTokens: number | undefined;
  /** Reasoning deltas streamed before the answer. */
  reasoningTokens: number;
  /** When set, the answer is this tool call instead of text (finish `tool-calls`). */
  toolCall: SimulatedToolCall | undefined;
  abortSignal: AbortSignal | undefined;
}

/** Chance of jumping to another sentence at a sentence end, so answers vary in content. */
const JUMP_PROBABILITY = 0.35;
/** Arguments fragment lengths, in UTF-16 code units: about a token of JSON each. */
const FRAGMENT_MINIMUM = 3;
const FRAGMENT_MAXIMUM = 6;

/** Paced phases wait for a timer; the others answer `next()` at once. */
type Phase =
  | 'metadata'
  | 'reasoning'
  | 'text'
  | 'tool-call-start'
  | 'first-fragment'
  | 'arguments'
  | 'tool-call-end'
  | 'finish'
  | 'done';
type PendingAction = 'token' | 'fail';
type Result = IteratorResult<LanguageModelStreamPart, undefined>;

const DONE: Result = { done: true, value: undefined };

export class SimulatorStream implements AsyncIterableIterator<LanguageModelStreamPart> {
  readonly #plan: SimulatorStreamPlan;
  #phase: Phase = 'metadata';
  #reasoningEmitted = 0;
  /** Text tokens or arguments fragments emitted. */
  #answerTokens = 0;
  #corpusIndex: number;
  #reasoningIndex: number;
  #lastWasSentenceEnd = false;
  #argumentsOffset = 0;
  #firstTokenDue = true;
  /** Set when an abort cut the stream short, so later `next()` calls keep rejecting. */
  #aborted = false;
  #firstTokenTimer: NodeJS.Timeout | undefined;
  #intervalTimer: NodeJS.Timeout | undefined;
  #pendingAction: PendingAction = 'token';
  #resolve: ((result: Result) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;

  constructor(plan: SimulatorStreamPlan) {
    this.#plan = plan;
    const start = plan.random.integer(0, SENTENCE_STARTS.length - 1);
    this.#corpusIndex = SENTENCE_STARTS[start] ?? 0;
    // Reasoning reads elsewhere in the corpus and draws nothing from `random`, so asking for
    // reasoning leaves the answer exactly as it would be without.
    const reasoningStart = (start + (SENTENCE_STARTS.length >> 1)) % SENTENCE_STARTS.length;
    this.#reasoningIndex = SENTENCE_STARTS[reasoningStart] ?? 0;
    plan.abortSignal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** True once the stream let go of its timers and abort listener, for good. */
  get closed(): boolean {
    return this.#phase === 'done';
  }

  next(): Promise<Result> {
    const signal = this.#plan.abortSignal;
    if (signal !== undefined && (this.#aborted || (this.#phase !== 'done' && signal.aborted))) {
      this.#aborted = true;
      this.#close();
      return Promise.reject(abortReason(signal));
    }
    switch (this.#phase) {
      case 'done':
        return Promise.resolve(DONE);
      case 'metadata': {
        this.#phase = this.#plan.reasoningTokens > 0 ? 'reasoning' : this.#answerPhase();
        const { responseId, modelId } = this.#plan;
        return Promise.resolve({
          done: false,
          value: { type: 'response-metadata', id: responseId, modelId },
        });
      }
      case 'first-fragment':
        return Promise.resolve({ done: false, value: this.#nextFragment() });
      case 'tool-call-end':
        this.#phase = 'finish';
        return Promise.resolve({ done: false, value: { type: 'tool-call-end', index: 0 } });
      case 'finish':
        this.#close();
        return Promise.resolve({ done: false, value: this.#finishPart() });
      default:
        return new Promise<Result>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
          const { failAfterTokens, stallAfterTokens } = this.#plan;
          const tokens = this.#reasoningEmitted + this.#answerTokens;
          if (stallAfterTokens === tokens) return; // only an abort settles it
          this.#pendingAction = failAfterTokens === tokens ? 'fail' : 'token';
          this.#schedule();
        });
    }
  }

  return(): Promise<Result> {
    this.#settle(DONE);
    this.#close();
    return Promise.resolve(DONE);
  }

  #schedule(): void {
    if (this.#firstTokenDue) {
      this.#firstTokenDue = false;
      if (this.#plan.timeToFirstTokenMs <= 0) this.#onTimer();
      else this.#firstTokenTimer = setTimeout(this.#onTimer, this.#plan.timeToFirstTokenMs);
      return;
    }
    if (this.#plan.tokenIntervalMs <= 0) this.#onTimer();
    else if (this.#intervalTimer === undefined) {
      this.#intervalTimer = setTimeout(this.#onTimer, this.#plan.tokenIntervalMs);
    } else this.#intervalTimer.refresh();
  }

  readonly #onTimer = (): void => {
    if (this.#pendingAction === 'fail') {
      const tokens = this.#reasoningEmitted + this.#answerTokens;
      const error = new ProviderError({
        code: 'SLUICE_ERR_UPSTREAM_ERROR',
        message: `The simulator failed after ${tokens} tokens (failAfterTokens)`,
        retryable: true,
      });
      const reject = this.#reject;
      this.#close();
      reject?.(error);
      return;
    }
    this.#settle({ done: false, value: this.#nextPacedPart() });
  };

  readonly #onAbort = (): void => {
    const reject = this.#reject;
    const signal = this.#plan.abortSignal;
    if (this.#phase !== 'done') this.#aborted = true;
    this.#close();
    if (reject !== undefined && signal !== undefined) reject(abortReason(signal));
  };

  #nextPacedPart(): LanguageModelStreamPart {
    if (this.#phase === 'reasoning') {
      const delta = this.#nextReasoningToken();
      if (this.#reasoningEmitted >= this.#plan.reasoningTokens) this.#phase = this.#answerPhase();
      return { type: 'reasoning-delta', delta };
    }
    if (this.#phase === 'tool-call-start') return this.#toolCallStart();
    if (this.#phase === 'arguments') return this.#nextFragment();
    const delta = this.#nextToken();
    if (this.#isComplete()) this.#phase = 'finish';
    return { type: 'text-delta', delta };
  }

  #answerPhase(): Phase {
    if (this.#plan.toolCall !== undefined) return 'tool-call-start';
    return this.#isComplete() ? 'finish' : 'text';
  }

  #nextToken(): string {
    const index = this.#corpusIndex;
    const token = CORPUS_TOKENS[index] ?? '';
    this.#answerTokens += 1;
    this.#lastWasSentenceEnd = ENDS_SENTENCE[index] === 1;
    const atEnd = index + 1 >= CORPUS_TOKENS.length;
    if (atEnd || (this.#lastWasSentenceEnd && this.#plan.random.next() < JUMP_PROBABILITY)) {
      this.#corpusIndex =
        SENTENCE_STARTS[this.#plan.random.integer(0, SENTENCE_STARTS.length - 1)] ?? 0;
    } else this.#corpusIndex = index + 1;
    // The answer's first word has no space before it; the only per-stream string we build.
    return this.#answerTokens === 1 ? token.trimStart() : token;
  }

  /** Reasoning reads the corpus straight on from its start, wrapping at the end. */
  #nextReasoningToken(): string {
    const index = this.#reasoningIndex;
    const token = CORPUS_TOKENS[index] ?? '';
    this.#reasoningEmitted += 1;
    this.#reasoningIndex = index + 1 < CORPUS_TOKENS.length ? index + 1 : 0;
    return this.#reasoningEmitted === 1 ? token.trimStart() : token;
  }

  #toolCallStart(): LanguageModelStreamPart {
    const call = this.#plan.toolCall as SimulatedToolCall;
    this.#phase = call.arguments.length === 0 ? 'tool-call-end' : 'first-fragment';
    return {
      type: 'tool-call-start',
      index: 0,
      toolCallId: call.toolCallId,
      toolName: call.toolName,
    };
  }

  #nextFragment(): LanguageModelStreamPart {
    const text = (this.#plan.toolCall as SimulatedToolCall).arguments;
    const start = this.#argumentsOffset;
    const size = this.#plan.random.integer(FRAGMENT_MINIMUM, FRAGMENT_MAXIMUM);
    let end = Math.min(text.length, start + size);
    // Never split a surrogate pair: half a character would not survive UTF-8 encoding.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end += 1;
    this.#argumentsOffset = end;
    this.#answerTokens += 1;
    this.#phase = end === text.length ? 'tool-call-end' : 'arguments';
    return { type: 'tool-call-delta', index: 0, argumentsDelta: text.slice(start, end) };
  }

  #isComplete(): boolean {
    const { maxTokens, naturalLength, naturalLengthCap } = this.#plan;
    const emitted = this.#answerTokens;
    if (maxTokens !== undefined) return emitted >= maxTokens;
    return emitted >= naturalLengthCap || (emitted >= naturalLength && this.#lastWasSentenceEnd);
  }

  #finishPart(): LanguageModelStreamPart {
    const { toolCall, maxTokens, inputTokens } = this.#plan;
    const reasoningTokens = this.#reasoningEmitted;
    return {
      type: 'finish',
      finishReason:
        toolCall !== undefined ? 'tool-calls' : maxTokens === undefined ? 'stop' : 'length',
      usage: {
        inputTokens,
        outputTokens: reasoningTokens + this.#answerTokens,
        ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
      },
    };
  }

  #settle(result: Result): void {
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#reject = undefined;
    resolve?.(result);
  }

  /** Ends the stream for good: no timers, no listener, no pending callbacks. */
  #close(): void {
    this.#phase = 'done';
    this.#resolve = undefined;
    this.#reject = undefined;
    clearTimeout(this.#firstTokenTimer);
    clearTimeout(this.#intervalTimer);
    this.#plan.abortSignal?.removeEventListener('abort', this.#onAbort);
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
