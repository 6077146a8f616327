/**
 * A `StreamStore` decorator that times appends and non-waiting reads for
 * `sluice_store_operation_duration_seconds`. It samples (one call in `sampleEvery`) so
 * the per-token append costs one counter increment when it is not sampled; waiting
 * reads are not timed, since their duration is how long nothing happened.
 */
import type {
  AppendOptions,
  AppendResult,
  CreateStreamOptions,
  CreateStreamResult,
  ReadBatch,
  ReadOptions,
  StreamInfo,
  StreamStore,
} from '../store/stream-store.ts';

export interface StoreTimingSink {
  storeOperation(operation: 'append' | 'read', durationMs: number): void;
}

export class InstrumentedStreamStore implements StreamStore {
  readonly specificationVersion = 'v1' as const;
  readonly #store: StreamStore;
  readonly #sink: StoreTimingSink;
  readonly #sampleEvery: number;
  #appends = 0;
  #reads = 0;

  constructor(store: StreamStore, sink: StoreTimingSink, options: { sampleEvery?: number } = {}) {
    this.#store = store;
    this.#sink = sink;
    this.#sampleEvery = Math.max(1, Math.floor(options.sampleEvery ?? 16));
  }

  create(path: string, options: CreateStreamOptions): Promise<CreateStreamResult> {
    return this.#store.create(path, options);
  }

  append(
    path: string,
    messages: readonly Uint8Array[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    this.#appends += 1;
    if (this.#appends % this.#sampleEvery !== 0) return this.#store.append(path, messages, options);
    const startedAt = performance.now();
    return this.#timed('append', startedAt, this.#store.append(path, messages, options));
  }

  read(path: string, options: ReadOptions): Promise<ReadBatch> {
    if (options.wait) return this.#store.read(path, options);
    this.#reads += 1;
    if (this.#reads % this.#sampleEvery !== 0) return this.#store.read(path, options);
    const startedAt = performance.now();
    return this.#timed('read', startedAt, this.#store.read(path, options));
  }

  head(path: string): Promise<StreamInfo | undefined> {
    return this.#store.head(path);
  }

  close(path: string): Promise<StreamInfo> {
    return this.#store.close(path);
  }

  delete(path: string): Promise<boolean> {
    return this.#store.delete(path);
  }

  dispose(): Promise<void> {
    return this.#store.dispose();
  }

  async #timed<T>(
    operation: 'append' | 'read',
    startedAt: number,
    pending: Promise<T>,
  ): Promise<T> {
    try {
      return await pending;
    } finally {
      this.#sink.storeOperation(operation, performance.now() - startedAt);
    }
  }
}
