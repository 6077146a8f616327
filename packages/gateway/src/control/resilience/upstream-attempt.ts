/**
 * One call to one model, held until its first token. The attempt gets its own abort
 * controller, tied to the caller's signal: a timeout aborts only this attempt (closing its
 * socket) while the caller's cancel aborts whatever attempt is running. `startAttempt`
 * resolves once the first token arrived, with the parts read so far; any failure before that
 * rejects, after the attempt's upstream was closed. The first token is the first part that
 * shows the model answering: a non-empty text or reasoning delta, the start of a tool call,
 * or a finish with none of these (a reasoning model may think for minutes before any text).
 */
import type {
  LanguageModel,
  LanguageModelCallOptions,
  LanguageModelStreamPart,
} from '../../providers/language-model.ts';
import { abortReason } from '../../providers/shared/abort-reason.ts';
import { truncatedStreamError } from '../../providers/shared/upstream-errors.ts';
import type { Scheduler } from './clock.ts';
import { firstTokenTimeoutError } from './resilience-errors.ts';

export interface StartedAttempt {
  /** The parts up to and including the first token (see `isFirstToken`). */
  head: LanguageModelStreamPart[];
  iterator: AsyncIterator<LanguageModelStreamPart>;
  /** Aborts this attempt alone (timeouts), with `reason` as what its stream throws. */
  abort(reason: unknown): void;
  /** Releases the upstream: aborts it unless it completed, and unhooks the caller's signal. */
  close(completed: boolean): void;
}

export async function startAttempt(
  model: LanguageModel,
  options: LanguageModelCallOptions,
  firstTokenMs: number | undefined,
  scheduler: Scheduler,
): Promise<StartedAttempt> {
  const callerSignal = options.abortSignal;
  if (callerSignal?.aborted) throw abortReason(callerSignal);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(abortReason(callerSignal as AbortSignal));
  callerSignal?.addEventListener('abort', forwardAbort, { once: true });
  let timeout: unknown;
  const timer =
    firstTokenMs === undefined
      ? undefined
      : scheduler.schedule(() => {
          timeout = firstTokenTimeoutError(firstTokenMs);
          controller.abort(timeout);
        }, firstTokenMs);
  let iterator: AsyncIterator<LanguageModelStreamPart> | undefined;
  let closed = false;
  const close = (completed: boolean) => {
    if (closed) return;
    closed = true;
    timer?.cancel();
    callerSignal?.removeEventListener('abort', forwardAbort);
    if (!completed && !controller.signal.aborted) controller.abort();
    // Also after a finish: the provider's stream is parked after its finish part and only
    // returning it runs its cleanup (draining the body so the keep-alive socket is reused).
    iterator?.return?.()?.catch(() => undefined);
  };
  try {
    const result = await model.doStream({ ...options, abortSignal: controller.signal });
    iterator = result.stream[Symbol.asyncIterator]();
    const head: LanguageModelStreamPart[] = [];
    for (;;) {
      const next = await iterator.next();
      if (next.done) throw truncatedStreamError();
      head.push(next.value);
      if (isFirstToken(next.value)) break;
    }
    timer?.cancel();
    return {
      head,
      iterator,
      abort: (reason) => controller.abort(reason),
      close,
    };
  } catch (error) {
    close(false);
    if (callerSignal?.aborted) throw abortReason(callerSignal);
    throw timeout ?? error;
  }
}

function isFirstToken(part: LanguageModelStreamPart): boolean {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
      return part.delta.length > 0;
    case 'tool-call-start':
    case 'finish':
      return true;
    default:
      return false;
  }
}
