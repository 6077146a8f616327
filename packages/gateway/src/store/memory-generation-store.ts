/**
 * `GenerationStore` in one process's memory: the embedded default. Records are copied in
 * and out (`plainCopy`), so nothing outside can hold a live reference — the same
 * contract a networked store gives. Listeners are called synchronously after each change.
 * Ended records older than `ttlSeconds` are swept once a minute (or sooner, for short TTLs).
 */
import type { GenerationRecord, GenerationRecordPatch } from '../generation/generation-record.ts';
import {
  type GenerationControl,
  GenerationExistsError,
  type GenerationStore,
  type GenerationStoreEvent,
  type ListOptions,
  type UpdateOptions,
} from './generation-store.ts';
import { plainCopy } from './plain-copy.ts';

export interface MemoryGenerationStoreOptions {
  /** How long an ended record is kept, from its creation. Default 24 h. */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 86_400;

export class MemoryGenerationStore implements GenerationStore {
  readonly specificationVersion = 'sluice-generation-store-v1';
  readonly #records = new Map<string, GenerationRecord>();
  readonly #requests = new Map<string, string>();
  readonly #listeners = new Set<(event: GenerationStoreEvent) => void>();
  readonly #ttlMs: number;
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryGenerationStoreOptions = {}) {
    this.#ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
    this.#sweepTimer = setInterval(() => this.#sweep(), Math.min(60_000, this.#ttlMs)).unref();
  }

  async create(record: GenerationRecord): Promise<void> {
    if (this.#records.has(record.id)) {
      throw new GenerationExistsError(`Generation ${record.id} exists`);
    }
    this.#records.set(record.id, plainCopy(record));
  }

  async get(id: string): Promise<GenerationRecord | undefined> {
    const record = this.#records.get(id);
    return record === undefined ? undefined : plainCopy(record);
  }

  async update(
    id: string,
    patch: GenerationRecordPatch,
    options: UpdateOptions = {},
  ): Promise<GenerationRecord | undefined> {
    const record = this.#records.get(id);
    if (record === undefined) return undefined;
    if (options.ifStatus !== undefined && record.status !== options.ifStatus) return undefined;
    if (options.ifProducerEpoch !== undefined && record.producerEpoch !== options.ifProducerEpoch) {
      return undefined;
    }
    const fields: Record<string, unknown> = { ...record };
    // A patch that sets a field to undefined removes it (records hold no undefined values).
    for (const [key, value] of Object.entries(plainCopy(patch))) {
      if (value === undefined) delete fields[key];
      else fields[key] = value;
    }
    const updated = fields as unknown as GenerationRecord;
    this.#records.set(id, updated);
    this.#emit({ type: 'updated', record: plainCopy(updated) });
    return plainCopy(updated);
  }

  async list(options: ListOptions): Promise<GenerationRecord[]> {
    const found: GenerationRecord[] = [];
    for (const record of this.#records.values()) {
      if (options.sessionId !== undefined && record.sessionId !== options.sessionId) continue;
      if (options.endUserId !== undefined && record.endUserId !== options.endUserId) continue;
      if (options.sessionId === undefined && options.endUserId === undefined) continue;
      found.push(plainCopy(record));
    }
    return found;
  }

  async keepRequest(id: string, request: string): Promise<void> {
    if (this.#records.has(id)) this.#requests.set(id, request);
  }

  async keptRequest(id: string): Promise<string | undefined> {
    return this.#requests.get(id);
  }

  async delete(id: string): Promise<boolean> {
    this.#requests.delete(id);
    return this.#records.delete(id);
  }

  async control(id: string, control: GenerationControl): Promise<void> {
    this.#emit({ type: 'control', id, control });
  }

  subscribe(listener: (event: GenerationStoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#listeners.clear();
  }

  #emit(event: GenerationStoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #sweep(): void {
    const cutoff = Date.now() - this.#ttlMs;
    for (const [id, record] of this.#records) {
      if (record.status !== 'running' && Date.parse(record.createdAt) < cutoff) {
        this.#records.delete(id);
        this.#requests.delete(id);
      }
    }
  }
}
