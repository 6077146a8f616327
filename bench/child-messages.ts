/**
 * Messages the bench's child processes send to `run.ts` over the IPC channel: readiness,
 * the edges of the measured window (so the parent samples gateway CPU exactly then), and
 * the load client's result.
 */
import type { LoadResult } from './load-result.ts';

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'measure-start' }
  | { type: 'measure-end' }
  | { type: 'result'; result: LoadResult };

/** Sends to the parent when there is one; resolves once the message left the process. */
export function sendToParent(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * Exits when the parent goes away, so no bench server outlives a crashed or interrupted
 * run (no IPC channel: the child was started by hand and stops on a signal).
 */
export function exitWithParent(cleanup: () => void): void {
  const stop = () => {
    cleanup();
    process.exit(0);
  };
  process.once('disconnect', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
