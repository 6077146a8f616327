/**
 * What a provider throws when its abort signal fires. Like undici and `fetch`, we throw the
 * signal's own reason, so a caller that aborted with a reason of its choosing gets it back;
 * a bare `abort()` gives the standard `AbortError` DOMException.
 */

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** True when `error` is what an aborted operation throws (`AbortError` by name). */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
