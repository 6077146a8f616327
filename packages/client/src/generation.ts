/**
 * The handle of one generation: it starts (or resumes) reading at once and delivers each
 * event exactly once to every consumer — async iterators (`for await`), listeners
 * (`on('text-delta', …)`) and the `result` promise — while auto-resume runs underneath.
 * Every iterator sees the handle's events from its first one (they are kept until the
 * handle is dropped; a generation's log is one answer, so this stays small).
 */
import type { GenerationEvent, GenerationEventType } from '@sluice/protocol';
import type { RetryPolicy } from './backoff.ts';
import { SluiceStreamError } from './errors.ts';
import type { DeliveredEvent, EventTransport } from './event-transport.ts';
import { type GenerationResult, ResultCollector } from './generation-result.ts';
import { type ReconnectInfo, readWithResume } from './resumable-read.ts';

export type EventOfType<T extends GenerationEventType> = Extract<GenerationEvent, { type: T }>;

/** Listeners by name: every event type, plus `event` (all), `text` and `reconnect`. */
export type GenerationListeners = {
  [T in GenerationEventType]: (event: EventOfType<T>, offset: string) => void;
} & {
  event: (event: GenerationEvent, offset: string) => void;
  /** Each `text-delta`'s text. */
  text: (delta: string, offset: string) => void;
  /** The connection dropped; the SDK resumes after `info.delayMs`. */
  reconnect: (info: ReconnectInfo) => void;
};

export interface GenerationInit {
  /** Resolves the generation id: a `POST /v1/generations`, or an id already known. */
  start: (signal: AbortSignal) => Promise<string>;
  cancel: (generationId: string) => Promise<unknown>;
  transport: EventTransport;
  retry: RetryPolicy;
  /** Deliver the events after this offset. */
  offset: string;
  signal?: AbortSignal | undefined;
  random?: (() => number) | undefined;
}

type AnyListener = (...values: never[]) => void;

export class Generation implements AsyncIterable<GenerationEvent> {
  /** The generation id, once `POST /v1/generations` answered (at once for `resume`). */
  readonly id: Promise<string>;
  readonly #init: GenerationInit;
  readonly #abort = new AbortController();
  readonly #delivered: DeliveredEvent[] = [];
  readonly #listeners = new Map<string, Set<AnyListener>>();
  #wake: Array<() => void> = [];
  #generationId: string | undefined;
  #offset: string;
  #finished = false;
  #failure: unknown;
  readonly #result: Promise<GenerationResult>;

  constructor(init: GenerationInit) {
    this.#init = init;
    this.#offset = init.offset;
    const external = init.signal;
    if (external !== undefined) {
      if (external.aborted) this.#abort.abort(external.reason);
      else external.addEventListener('abort', () => this.#abort.abort(external.reason));
    }
    let resolveId: (id: string) => void = () => {};
    let rejectId: (error: unknown) => void = () => {};
    this.id = new Promise<string>((resolve, reject) => {
      resolveId = resolve;
      rejectId = reject;
    });
    this.#result = this.#run(resolveId, rejectId);
    // Both are also reported through the iterator; an app that awaits neither is not wrong.
    this.id.catch(() => {});
    this.#result.catch(() => {});
  }

  /** The id, when known; `id` is the promise of it. */
  get generationId(): string | undefined {
    return this.#generationId;
  }

  /** The offset after the last event delivered (`-1` before any): where a resume continues. */
  get offset(): string {
    return this.#offset;
  }

  /** Settles when the log closes: the assembled answer, verdict, retraction and review. */
  get result(): Promise<GenerationResult> {
    return this.#result;
  }

  /** Whether reading ended (the log closed, reading failed or was detached). */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Calls `listener` for what arrives from now on; returns a function that removes it.
   * A listener that throws is reported (`reportError`) and the stream goes on.
   */
  on<K extends keyof GenerationListeners>(name: K, listener: GenerationListeners[K]): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as AnyListener);
    return () => set.delete(listener as AnyListener);
  }

  /** Yields every event of this handle, from its first; throws the `SluiceStreamError`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<GenerationEvent> {
    for await (const delivered of this.withOffsets()) yield delivered.event;
  }

  /** As the async iterator, with each event's offset. */
  async *withOffsets(): AsyncGenerator<DeliveredEvent> {
    let index = 0;
    for (;;) {
      const delivered = this.#delivered[index];
      if (delivered !== undefined) {
        index += 1;
        yield delivered;
        continue;
      }
      if (this.#finished) {
        if (this.#failure !== undefined) throw this.#failure;
        return;
      }
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  /**
   * Asks the gateway to cancel the generation (`POST /v1/generations/{id}/cancel`,
   * idempotent). Reading goes on: the iterator ends after the terminal and final events
   * (finish reason `cancelled`), and `result` resolves with the partial answer.
   */
  async cancel(): Promise<void> {
    await this.#init.cancel(await this.id);
  }

  /**
   * Stops reading without cancelling: the generation goes on at the gateway and can be
   * resumed from `offset` later. `result` and the iterators reject with
   * `SLUICE_CLIENT_ABORTED`.
   */
  detach(): void {
    this.#abort.abort(new Error('The generation handle was detached'));
  }

  async #run(
    resolveId: (id: string) => void,
    rejectId: (error: unknown) => void,
  ): Promise<GenerationResult> {
    const signal = this.#abort.signal;
    try {
      let id: string;
      try {
        id = await this.#init.start(signal);
      } catch (error) {
        rejectId(error);
        throw error;
      }
      this.#generationId = id;
      resolveId(id);
      const collector = new ResultCollector(id);
      const events = readWithResume({
        transport: this.#init.transport,
        generationId: id,
        offset: this.#offset,
        retry: this.#init.retry,
        signal,
        random: this.#init.random,
        onReconnect: (info) => this.#emit('reconnect', info),
      });
      for await (const delivered of events) {
        this.#offset = delivered.offset;
        this.#delivered.push(delivered);
        collector.add(delivered.event);
        this.#emit('event', delivered.event, delivered.offset);
        this.#emit(delivered.event.type, delivered.event, delivered.offset);
        if (delivered.event.type === 'text-delta') {
          this.#emit('text', delivered.event.delta, delivered.offset);
        }
        this.#notify();
      }
      return collector.snapshot();
    } catch (error) {
      this.#failure = SluiceStreamError.isInstance(error)
        ? error
        : new SluiceStreamError({
            code: signal.aborted ? 'SLUICE_CLIENT_ABORTED' : 'SLUICE_CLIENT_PROTOCOL',
            message: error instanceof Error ? error.message : 'The generation failed',
            generationId: this.#generationId,
            offset: this.#offset,
            retryable: signal.aborted,
            cause: error,
          });
      throw this.#failure;
    } finally {
      this.#finished = true;
      this.#notify();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }

  #emit(name: string, ...values: unknown[]): void {
    const set = this.#listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as (...args: unknown[]) => void)(...values);
      } catch (error) {
        reportListenerError(error);
      }
    }
  }
}

/** A throwing listener must not break delivery to the others; report it as uncaught. */
function reportListenerError(error: unknown): void {
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (typeof report === 'function') report(error);
  else
    setTimeout(() => {
      throw error;
    }, 0);
}
