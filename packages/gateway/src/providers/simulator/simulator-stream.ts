/**
 * One simulated answer as a hand-written async iterator. A load test runs thousands of these
 * at once, so the hot path is lean: each stream owns at most two timers (first token, then one
 * `refresh()`ed for every later token), walks the shared corpus arrays by index, and allocates
 * per token only what the iterator protocol demands. Aborting clears the timers at once, so
 * nothing holds the event loop after a cancel.
 */
import { type LanguageModelStreamPart, ProviderError } from '../language-model.ts';
import { abortReason } from '../shared/abort-reason.ts';
import type { SeededRandom } from './seeded-random.ts';
import { CORPUS_TOKENS, ENDS_SENTENCE, SENTENCE_STARTS } from './simulator-tokens.ts';

export interface SimulatorStreamPlan {
  random: SeededRandom;
  responseId: string;
  modelId: string;
  /** Exact token count when the request set `maxTokens`. */
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
  abortSignal: AbortSignal | undefined;
}

/** Chance of jumping to another sentence at a sentence end, so answers vary in content. */
const JUMP_PROBABILITY = 0.35;

type Phase = 'metadata' | 'tokens' | 'finish' | 'done';
type PendingAction = 'token' | 'fail';
type Result = IteratorResult<LanguageModelStreamPart, undefined>;

const DONE: Result = { done: true, value: undefined };

export class SimulatorStream implements AsyncIterableIterator<LanguageModelStreamPart> {
  readonly #plan: SimulatorStreamPlan;
  #phase: Phase = 'metadata';
  #tokensEmitted = 0;
  #corpusIndex: number;
  #lastWasSentenceEnd = false;
  /** Set when an abort cut the stream short, so later `next()` calls keep rejecting. */
  #aborted = false;
  #firstTokenTimer: NodeJS.Timeout | undefined;
  #intervalTimer: NodeJS.Timeout | undefined;
  #pendingAction: PendingAction = 'token';
  #resolve: ((result: Result) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;

  constructor(plan: SimulatorStreamPlan) {
    this.#plan = plan;
    this.#corpusIndex = SENTENCE_STARTS[plan.random.integer(0, SENTENCE_STARTS.length - 1)] ?? 0;
    plan.abortSignal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<Result> {
    const signal = this.#plan.abortSignal;
    if (signal !== undefined && (this.#aborted || (this.#phase !== 'done' && signal.aborted))) {
      this.#aborted = true;
      this.#close();
      return Promise.reject(abortReason(signal));
    }
    if (this.#phase === 'done') return Promise.resolve(DONE);
    if (this.#phase === 'metadata') {
      this.#phase = this.#isComplete() ? 'finish' : 'tokens';
      const { responseId, modelId } = this.#plan;
      return Promise.resolve({
        done: false,
        value: { type: 'response-metadata', id: responseId, modelId },
      });
    }
    if (this.#phase === 'finish') {
      this.#close();
      return Promise.resolve({ done: false, value: this.#finishPart() });
    }
    return new Promise<Result>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
      const { failAfterTokens, stallAfterTokens } = this.#plan;
      if (stallAfterTokens === this.#tokensEmitted) return; // only an abort settles it
      this.#pendingAction = failAfterTokens === this.#tokensEmitted ? 'fail' : 'token';
      this.#schedule();
    });
  }

  return(): Promise<Result> {
    this.#settle(DONE);
    this.#close();
    return Promise.resolve(DONE);
  }

  #schedule(): void {
    if (this.#tokensEmitted === 0) {
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
      const error = new ProviderError({
        code: 'SLUICE_ERR_UPSTREAM_ERROR',
        message: `The simulator failed after ${this.#tokensEmitted} tokens (failAfterTokens)`,
        retryable: true,
      });
      const reject = this.#reject;
      this.#close();
      reject?.(error);
      return;
    }
    const delta = this.#nextToken();
    if (this.#isComplete()) this.#phase = 'finish';
    this.#settle({ done: false, value: { type: 'text-delta', delta } });
  };

  readonly #onAbort = (): void => {
    const reject = this.#reject;
    const signal = this.#plan.abortSignal;
    if (this.#phase !== 'done') this.#aborted = true;
    this.#close();
    if (reject !== undefined && signal !== undefined) reject(abortReason(signal));
  };

  #nextToken(): string {
    const index = this.#corpusIndex;
    const token = CORPUS_TOKENS[index] ?? '';
    this.#tokensEmitted += 1;
    this.#lastWasSentenceEnd = ENDS_SENTENCE[index] === 1;
    const atEnd = index + 1 >= CORPUS_TOKENS.length;
    if (atEnd || (this.#lastWasSentenceEnd && this.#plan.random.next() < JUMP_PROBABILITY)) {
      this.#corpusIndex =
        SENTENCE_STARTS[this.#plan.random.integer(0, SENTENCE_STARTS.length - 1)] ?? 0;
    } else this.#corpusIndex = index + 1;
    // The answer's first word has no space before it; the only per-stream string we build.
    return this.#tokensEmitted === 1 ? token.trimStart() : token;
  }

  #isComplete(): boolean {
    const { maxTokens, naturalLength, naturalLengthCap } = this.#plan;
    const emitted = this.#tokensEmitted;
    if (maxTokens !== undefined) return emitted >= maxTokens;
    return emitted >= naturalLengthCap || (emitted >= naturalLength && this.#lastWasSentenceEnd);
  }

  #finishPart(): LanguageModelStreamPart {
    return {
      type: 'finish',
      finishReason: this.#plan.maxTokens === undefined ? 'stop' : 'length',
      usage: { inputTokens: this.#plan.inputTokens, outputTokens: this.#tokensEmitted },
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
