/**
 * Drives a benchmark run: starts requests when the arrival schedule says they are due,
 * never more than `concurrency` at once (a due request waits for a free slot, as in
 * vLLM's `--max-concurrency`), and stops after `requests` starts or once `durationMs` has
 * passed, then waits for the requests still running. Connections come from one undici
 * pool sized to the concurrency, so keep-alive sockets are reused across requests.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Pool } from 'undici';
import { arrivalSchedule } from './arrival-schedule.ts';
import type { BenchOptions } from './bench-options.ts';
import { prepareRequest } from './bench-request.ts';
import { type RequestRecord, runRequest } from './run-request.ts';

export interface LoadRun {
  records: RequestRecord[];
  /** performance.now() when the run started; request start times are relative to it. */
  startedAt: number;
  /** From the first request sent to the last one finished, in milliseconds. */
  durationMs: number;
  interrupted: boolean;
}

export interface LoadProgress {
  started: number;
  finished: number;
  failed: number;
}

export interface RunLoadHooks {
  /** Aborting stops new requests and fails the ones in flight as `interrupted`. */
  signal?: AbortSignal;
  onRequestFinished?: (record: RequestRecord, progress: LoadProgress) => void;
}

/** A counting semaphore whose waiters are woken in order, by promise, not by polling. */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(count: number) {
    this.#free = count;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free += 1;
    else next();
  }
}

export async function runLoad(options: BenchOptions, hooks: RunLoadHooks = {}): Promise<LoadRun> {
  const signal = hooks.signal ?? new AbortController().signal;
  const prepared = prepareRequest(options);
  const pool = new Pool(prepared.url.origin, {
    connections: options.concurrency,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const slots = new Slots(options.concurrency);
  const records: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const progress: LoadProgress = { started: 0, finished: 0, failed: 0 };
  const startedAt = performance.now();
  const elapsed = () => performance.now() - startedAt;
  const withinLimits = (index: number) =>
    !signal.aborted &&
    (options.requests === undefined || index < options.requests) &&
    (options.durationMs === undefined || elapsed() < options.durationMs);

  try {
    let index = 0;
    for (const dueAt of arrivalSchedule(options)) {
      if (!withinLimits(index)) break;
      if (options.durationMs !== undefined && dueAt >= options.durationMs) break;
      const wait = dueAt - elapsed();
      if (wait > 0) await delay(wait, undefined, { signal }).catch(() => undefined);
      await slots.acquire();
      if (!withinLimits(index)) {
        slots.release();
        break;
      }
      progress.started += 1;
      const running = runRequest({
        index,
        api: options.api,
        stream: options.stream,
        prepared,
        dispatcher: pool,
        timeoutMs: options.timeoutMs,
        signal,
      }).then((record) => {
        records.push(record);
        progress.finished += 1;
        if (record.error !== undefined) progress.failed += 1;
        slots.release();
        inFlight.delete(running);
        hooks.onRequestFinished?.(record, progress);
      });
      inFlight.add(running);
      index += 1;
    }
    await Promise.all(inFlight);
  } finally {
    await pool.destroy();
  }

  records.sort((left, right) => left.index - right.index);
  const firstSent = records.reduce(
    (earliest, record) => Math.min(earliest, record.sentAt),
    Infinity,
  );
  const lastEnded = records.reduce(
    (latest, record) => Math.max(latest, record.sentAt + record.endToEndMs),
    -Infinity,
  );
  return {
    records,
    startedAt,
    durationMs: records.length === 0 ? 0 : lastEnded - firstSent,
    interrupted: signal.aborted,
  };
}
