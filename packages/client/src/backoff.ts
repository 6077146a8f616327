/**
 * Reconnect timing: exponential backoff with full jitter (a random delay between zero and
 * the capped exponential), so many clients dropped by the same outage do not return in
 * step. `attempt` counts consecutive failed connections from 1.
 */

export interface RetryPolicy {
  /** Consecutive failed connections tolerated before giving up (progress resets the count). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  initialDelayMs: 250,
  maxDelayMs: 8000,
};

export function retryPolicy(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  return {
    maxAttempts: Math.max(1, Math.floor(policy.maxAttempts)),
    initialDelayMs: Math.max(0, policy.initialDelayMs),
    maxDelayMs: Math.max(0, policy.maxDelayMs),
  };
}

/** The ceiling for `attempt`: `initialDelayMs · 2^(attempt-1)`, capped at `maxDelayMs`. */
export function backoffCeilingMs(policy: RetryPolicy, attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** Full jitter: uniform in [0, ceiling). `random` is injectable for tests. */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeilingMs(policy, attempt));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
