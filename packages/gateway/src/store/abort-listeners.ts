/**
 * Abort callbacks for many waits that share one AbortSignal (a server-wide shutdown
 * signal, say). Node's EventTarget removes listeners by a linear scan, so thousands of
 * waits each adding and removing their own listener on one signal cost O(n²); here a
 * signal carries a single listener for all of its waits, removed when the last goes.
 */
interface SignalWaits {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const waitsBySignal = new WeakMap<AbortSignal, SignalWaits>();

/** Calls `callback` once when `signal` aborts; the returned function cancels that. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    callback();
    return () => {};
  }
  let waits = waitsBySignal.get(signal);
  if (waits === undefined) {
    const callbacks = new Set<() => void>();
    const listener = (): void => {
      waitsBySignal.delete(signal);
      for (const pending of callbacks) pending();
      callbacks.clear();
    };
    waits = { callbacks, listener };
    waitsBySignal.set(signal, waits);
    signal.addEventListener('abort', listener, { once: true });
  }
  const { callbacks, listener } = waits;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0) return;
    if (waitsBySignal.get(signal)?.callbacks === callbacks) waitsBySignal.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
