/**
 * A `FrameTransport` for tests: records every send and the end, applies backpressure on
 * demand, and can be stopped as a cut or a disconnect would stop a real one.
 */
import type { ReadBatch } from '../store/stream-store.ts';
import type { DetachReason, FrameTransport, RelayFailure } from './frame.ts';

export class MockFrameTransport<F> implements FrameTransport<F> {
  /** Every send, as the frames of one write. */
  readonly sends: F[][] = [];
  /** The ends, with the last batch and the failure if there was one. */
  readonly ends: Array<{ last: ReadBatch; failure: RelayFailure | undefined }> = [];
  readonly #controller = new AbortController();
  #reason: DetachReason = 'completed';
  #backpressure: Promise<void> | undefined;
  #onSend: ((frames: readonly F[]) => void) | undefined;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get endReason(): DetachReason {
    return this.#reason;
  }

  send(frames: readonly F[]): Promise<void> | undefined {
    this.sends.push([...frames]);
    this.#onSend?.(frames);
    return this.#backpressure;
  }

  end(last: ReadBatch, failure?: RelayFailure): void {
    this.ends.push({ last, failure });
  }

  /** Until `release` is called, every send reports backpressure. */
  holdSends(): { release(): void } {
    let release = (): void => {};
    this.#backpressure = new Promise<void>((resolve) => {
      release = () => {
        this.#backpressure = undefined;
        resolve();
      };
    });
    return { release };
  }

  /** Calls `listener` on every send (after recording it). */
  onSend(listener: (frames: readonly F[]) => void): void {
    this.#onSend = listener;
  }

  /** Stops delivery as a real transport does when its reader is cut or leaves. */
  stop(reason: DetachReason): void {
    if (this.#controller.signal.aborted) return;
    this.#reason = reason;
    this.#controller.abort();
  }
}
