/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): the n-th retry waits a uniformly random time in [0, min(max, base · 2ⁿ⁻¹)], which
 * spreads a burst of failed callers out instead of having them retry in lockstep.
 */
import { abortReason } from '../../providers/shared/abort-reason.ts';
import type { Scheduler } from './clock.ts';

export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The wait before retry number `retry` (1 for the first retry). */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * Math.max(0, ceiling));
}

/** Resolves after `delayMs`, or rejects with the abort reason as soon as `signal` fires. */
export function waitFor(
  delayMs: number,
  scheduler: Scheduler,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (delayMs <= 0) return Promise.resolve();
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const onAbort = () => {
    timer.cancel();
    reject(abortReason(signal as AbortSignal));
  };
  const timer = scheduler.schedule(() => {
    signal?.removeEventListener('abort', onAbort);
    resolve();
  }, delayMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  return promise;
}
