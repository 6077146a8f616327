/**
 * `ResilientLanguageModel`: a `LanguageModel` decorator over an ordered chain of models
 * (`[primary, ...fallbacks]`), each with its own circuit breaker. Every call option reaches
 * every attempt unchanged (only `messages` grows, for a continuation), and every part is
 * relayed: text, reasoning, tool calls.
 *
 * Before the first token (text, reasoning or a tool call's start), `doStream` tries the chain
 * in order: a model whose circuit is open, or a fallback that cannot carry the call's options,
 * is skipped at once; a failing model is retried (exponential backoff, full jitter) while its
 * error is retryable and attempts remain, then the next model is tried. `doStream` resolves
 * only once a model produced its first token, so when every model fails nothing has been
 * sent yet and the gateway can still answer 502 / 504.
 *
 * After the first token, a mid-stream upstream failure continues on the next model of the
 * chain that accepts an assistant prefix (and whose circuit lets it through): it receives the
 * original messages plus the text delivered so far, and the stream yields a `model-switch`
 * part marking the seam. Without such a model, or once a tool call has started, the original
 * error propagates.
 *
 * A caller's abort closes the active upstream at once and is never retried. Usage adds up
 * over the models whose output was delivered (see `CombinedUsage`).
 */
import type {
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelStreamPart,
  LanguageModelStreamResult,
  UnsupportedOption,
} from '../../providers/language-model.ts';
import { ProviderError } from '../../providers/language-model.ts';
import { abortReason } from '../../providers/shared/abort-reason.ts';
import { truncatedStreamError } from '../../providers/shared/upstream-errors.ts';
import { AnswerProgress } from './answer-progress.ts';
import { backoffDelay, waitFor } from './backoff.ts';
import type { CircuitBreaker, CircuitPermit } from './circuit-breaker.ts';
import { classifyFailure, type FailureKind, isRetryableFailure } from './classify-failure.ts';
import { type Scheduler, systemScheduler } from './clock.ts';
import { CombinedUsage } from './combined-usage.ts';
import { continuationMessages } from './continuation-messages.ts';
import { GapWatch } from './gap-watch.ts';
import { CircuitOpenError, tokenGapTimeoutError } from './resilience-errors.ts';
import {
  type ContinuationSupport,
  DEFAULT_TIMEOUTS,
  type ResilienceTimeouts,
  type RetryPolicy,
  resolveRetryPolicy,
} from './resilience-settings.ts';
import { type StartedAttempt, startAttempt } from './upstream-attempt.ts';

export interface ResilientChainLink {
  /** The model's public name, used in `model-switch` parts, errors and breaker snapshots. */
  name: string;
  model: LanguageModel;
  breaker: CircuitBreaker;
  continuation: ContinuationSupport;
  /** Overrides the decorator's retry policy for this model. */
  retry?: Partial<RetryPolicy>;
  /** Overrides the decorator's timeouts for this model. */
  timeouts?: ResilienceTimeouts;
}

/** What the decorator did, for logs and metrics. Carries names and codes, never text. */
export type ResilienceEvent =
  | { type: 'attempt-failed'; model: string; attempt: number; kind: FailureKind; code: string }
  | { type: 'model-skipped'; model: string; reason: 'circuit-open' | 'unsupported-options' }
  | { type: 'model-switched'; from: string; to: string; reason: string; afterCharacters: number };

export interface ResilientLanguageModelSettings {
  chain: readonly [ResilientChainLink, ...ResilientChainLink[]];
  retry?: Partial<RetryPolicy>;
  timeouts?: ResilienceTimeouts;
  /** Uniform in [0, 1); injectable so tests can pin the jitter. Default `Math.random`. */
  random?: () => number;
  scheduler?: Scheduler;
  onEvent?: (event: ResilienceEvent) => void;
}

interface Link {
  name: string;
  model: LanguageModel;
  breaker: CircuitBreaker;
  continuation: ContinuationSupport;
  retry: RetryPolicy;
  firstTokenMs: number | undefined;
  tokenGapMs: number | undefined;
}

interface ActiveAttempt {
  index: number;
  attempt: StartedAttempt;
  permit: CircuitPermit;
  /** Messages this attempt was sent, for the usage estimate if it fails mid-stream. */
  messages: LanguageModelCallOptions['messages'];
}

type Mode = 'first-token' | 'continuation';

export class ResilientLanguageModel implements LanguageModel {
  readonly specificationVersion = 'sluice-v2';
  readonly provider: string;
  readonly modelId: string;
  readonly #links: readonly Link[];
  readonly #random: () => number;
  readonly #scheduler: Scheduler;
  readonly #onEvent: ((event: ResilienceEvent) => void) | undefined;

  constructor(settings: ResilientLanguageModelSettings) {
    const [primary] = settings.chain;
    this.provider = primary.model.provider;
    this.modelId = primary.model.modelId;
    this.#random = settings.random ?? Math.random;
    this.#scheduler = settings.scheduler ?? systemScheduler;
    this.#onEvent = settings.onEvent;
    const timeouts = { ...DEFAULT_TIMEOUTS, ...settings.timeouts };
    this.#links = settings.chain.map((link) => {
      const linkTimeouts = { ...timeouts, ...link.timeouts };
      return {
        name: link.name,
        model: link.model,
        breaker: link.breaker,
        continuation: link.continuation,
        retry: resolveRetryPolicy({ ...settings.retry, ...link.retry }),
        firstTokenMs: linkTimeouts.firstTokenMs,
        tokenGapMs: linkTimeouts.tokenGapMs,
      };
    });
  }

  /** The chain's public model names, primary first. */
  get chainNames(): string[] {
    return this.#links.map((link) => link.name);
  }

  /**
   * The primary's list alone: the client named that model, so its limits decide a 400. Which
   * fallbacks an operator configured must not change whether a request is valid (a spare
   * without image input would otherwise refuse every image request the primary serves). A
   * fallback that cannot carry a call is skipped when its turn comes instead (see
   * `#startFrom`), so no model is ever sent options it would drop.
   */
  unsupportedOptions(options: LanguageModelCallOptions): UnsupportedOption[] {
    return (this.#links[0] as Link).model.unsupportedOptions(options);
  }

  async doStream(options: LanguageModelCallOptions): Promise<LanguageModelStreamResult> {
    const active = await this.#startFrom(0, options, options.messages, 'first-token');
    return { stream: this.#relay(active, options) };
  }

  /** Tries the chain from `index` on until one model produced its first token. */
  async #startFrom(
    index: number,
    options: LanguageModelCallOptions,
    messages: LanguageModelCallOptions['messages'],
    mode: Mode,
  ): Promise<ActiveAttempt> {
    const signal = options.abortSignal;
    const attemptOptions = { ...options, messages };
    let lastError: unknown;
    for (let position = index; position < this.#links.length; position += 1) {
      const link = this.#links[position] as Link;
      if (mode === 'continuation' && link.continuation !== 'assistant-prefix') continue;
      // The primary was asked already, through this decorator's own `unsupportedOptions`.
      if (position > 0 && link.model.unsupportedOptions(attemptOptions).length > 0) {
        this.#emit({ type: 'model-skipped', model: link.name, reason: 'unsupported-options' });
        continue;
      }
      for (let attempt = 1; attempt <= link.retry.attempts; attempt += 1) {
        if (signal?.aborted) throw abortReason(signal);
        const permit = link.breaker.tryAcquire();
        if (permit === undefined) {
          this.#emit({ type: 'model-skipped', model: link.name, reason: 'circuit-open' });
          lastError ??= new CircuitOpenError(link.name);
          break;
        }
        try {
          const started = await startAttempt(
            link.model,
            attemptOptions,
            link.firstTokenMs,
            this.#scheduler,
          );
          permit.success();
          return { index: position, attempt: started, permit, messages };
        } catch (error) {
          const kind = classifyFailure(error, signal);
          this.#emit({
            type: 'attempt-failed',
            model: link.name,
            attempt,
            kind,
            code: errorCode(error),
          });
          if (kind !== 'upstream') {
            permit.release();
            throw kind === 'cancelled' ? abortReason(signal as AbortSignal) : error;
          }
          permit.failure();
          lastError = error;
          if (!isRetryableFailure(error) || attempt === link.retry.attempts) break;
          await waitFor(backoffDelay(attempt, link.retry, this.#random), this.#scheduler, signal);
        }
      }
    }
    throw lastError ?? truncatedStreamError();
  }

  async *#relay(
    first: ActiveAttempt,
    options: LanguageModelCallOptions,
  ): AsyncGenerator<LanguageModelStreamPart> {
    const signal = options.abortSignal;
    const usage = new CombinedUsage();
    const progress = new AnswerProgress(this.#canContinueAfter(first.index));
    let active = first;
    let completed = false;
    try {
      for (;;) {
        const link = this.#links[active.index] as Link;
        const { attempt } = active;
        let gapError: ProviderError | undefined;
        // The gap is the upstream's silence: time spent waiting in `next()`, not time the
        // consumer spends with a part.
        const gapMs = link.tokenGapMs;
        const gapWatch =
          gapMs === undefined
            ? undefined
            : new GapWatch(this.#scheduler, gapMs, () => {
                gapError = tokenGapTimeoutError(gapMs);
                attempt.abort(gapError);
              });
        let headIndex = 0;
        try {
          for (;;) {
            let part: LanguageModelStreamPart;
            if (headIndex < attempt.head.length) {
              part = attempt.head[headIndex] as LanguageModelStreamPart;
              headIndex += 1;
            } else {
              gapWatch?.waiting();
              const next = await attempt.iterator.next();
              gapWatch?.arrived();
              if (next.done) throw truncatedStreamError();
              part = next.value;
            }
            if (part.type === 'finish') {
              completed = true;
              yield { ...part, usage: usage.finish(part.usage, progress.segment, active.messages) };
              return;
            }
            const relayed = progress.relay(part);
            if (relayed !== undefined) yield relayed;
          }
        } catch (caught) {
          if (signal?.aborted) throw abortReason(signal);
          const error = gapError ?? caught;
          const kind = classifyFailure(error, undefined);
          if (kind === 'upstream') active.permit.failure();
          attempt.close(false);
          this.#emit({
            type: 'attempt-failed',
            model: link.name,
            attempt: 1,
            kind,
            code: errorCode(error),
          });
          // Once a tool call has started, no other model can take over: providers continue a
          // text prefix only, not a turn holding a (possibly half-written) tool call, and a
          // fresh call from another model would carry another id and other arguments, so the
          // fragments already relayed would join into arguments no model wrote, which a client
          // might then run.
          if (kind !== 'upstream' || !progress.keepsText || progress.toolCallStarted) throw error;
          usage.addFailedSegment(progress.segment, active.messages);
          const continuation = await this.#continueAfter(
            active.index,
            error,
            options,
            progress.text,
          );
          // Switch before yielding: a consumer that stops at the seam must close the new upstream.
          active = continuation.next;
          progress.beginSegment(
            this.#canContinueAfter(active.index),
            continuation.trimmedWhitespace,
          );
          const seam = {
            type: 'model-switch',
            from: link.name,
            to: (this.#links[active.index] as Link).name,
            reason: errorCode(error),
            afterCharacters: progress.text.length,
          } as const;
          this.#emit({ ...seam, type: 'model-switched' });
          yield seam;
        } finally {
          gapWatch?.stop();
        }
      }
    } finally {
      active.attempt.close(completed);
    }
  }

  /**
   * Starts the next model able to continue the answer, or throws the mid-stream `error` that
   * broke it off when none can (a cancel meanwhile throws the abort reason instead).
   */
  async #continueAfter(
    failedIndex: number,
    error: unknown,
    options: LanguageModelCallOptions,
    delivered: string,
  ): Promise<{ next: ActiveAttempt; trimmedWhitespace: boolean }> {
    const prompt = continuationMessages(options.messages, delivered);
    try {
      const next = await this.#startFrom(failedIndex + 1, options, prompt.messages, 'continuation');
      return { next, trimmedWhitespace: prompt.trimmedWhitespace };
    } catch {
      const signal = options.abortSignal;
      if (signal?.aborted) throw abortReason(signal);
      throw error;
    }
  }

  #canContinueAfter(index: number): boolean {
    return this.#links.slice(index + 1).some((link) => link.continuation === 'assistant-prefix');
  }

  #emit(event: ResilienceEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event);
    } catch {
      // Observability must never change the outcome of a generation.
    }
  }
}

function errorCode(error: unknown): string {
  return ProviderError.isInstance(error) ? error.code : 'SLUICE_ERR_INTERNAL';
}
