/**
 * `GenerationStore` over Redis, for several gateway processes or machines: records are
 * hashes with a TTL (see `record-codec.ts`), status transitions are compare-and-set in Lua,
 * sessions and end users have sorted-set indexes (scored by creation time, so lists come
 * oldest first) that live as long as their newest record, and control messages and record
 * updates cross nodes on one pub/sub channel — one subscriber connection per store.
 *
 * A store's own events reach its own listeners synchronously, as in the memory store (a
 * cancel accepted by the node running the producer needs no round trip), and its echo
 * from the channel is skipped by origin; events of other nodes arrive from the channel.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  GenerationRecord,
  GenerationRecordPatch,
} from '../../generation/generation-record.ts';
import {
  type GenerationControl,
  GenerationExistsError,
  type GenerationStore,
  type GenerationStoreEvent,
  type ListOptions,
  type UpdateOptions,
} from '../generation-store.ts';
import { type GenerationKeys, generationKeys } from './generation-keys.ts';
import { createRecordScript, updateRecordScript } from './generation-store-scripts.ts';
import { checkRecord, decodeRecord, encodeFields } from './record-codec.ts';
import { type ConnectionOptions, closeRedis, connectRedis } from './redis-connection.ts';

export interface RedisGenerationStoreOptions {
  /** `redis://…` URL. It may hold a password, so it is never logged or put in an error. */
  url: string;
  /** Prefix of every key and channel (default `sluice:`); lets deployments share a Redis. */
  keyPrefix?: string;
  /** How long a record is kept, from its creation, whatever its status. Default 24 h. */
  ttlSeconds?: number;
  /** Where unreadable channel messages and skipped records are reported. */
  logger?: { warn(fields: object, message: string): void };
  /** Extra ioredis options (timeouts, TLS, retry strategy). */
  redis?: ConnectionOptions;
}

const DEFAULT_TTL_SECONDS = 86_400;

export class RedisGenerationStore implements GenerationStore {
  readonly specificationVersion = 'sluice-generation-store-v1';
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #keys: GenerationKeys;
  readonly #ttlMs: number;
  readonly #logger: { warn(fields: object, message: string): void } | undefined;
  /** Tags this instance's messages, so it skips its own echo. */
  readonly #origin = randomUUID();
  readonly #listeners = new Set<(event: GenerationStoreEvent) => void>();
  #unreadableEvents = 0;

  /**
   * Connects both connections and subscribes before resolving, so no event is missed;
   * rejects with `RedisUnavailableError` when Redis cannot be reached.
   */
  static async open(options: RedisGenerationStoreOptions): Promise<RedisGenerationStore> {
    const connections = await Promise.allSettled([
      connectRedis(options.url, options.redis ?? {}, 'generation store'),
      connectRedis(options.url, options.redis ?? {}, 'generation store events'),
    ]);
    const [client, subscriber] = connections.map((result) =>
      result.status === 'fulfilled' ? result.value : undefined,
    );
    const failed = connections.find((result) => result.status === 'rejected');
    if (client === undefined || subscriber === undefined || failed !== undefined) {
      await Promise.all([client, subscriber].map((redis) => redis && closeRedis(redis)));
      throw (failed as PromiseRejectedResult).reason;
    }
    const store = new RedisGenerationStore(client, subscriber, options);
    try {
      // ioredis subscribes again by itself after a reconnect.
      await subscriber.subscribe(store.#keys.events);
    } catch (error) {
      await store.dispose();
      throw error;
    }
    return store;
  }

  private constructor(client: Redis, subscriber: Redis, options: RedisGenerationStoreOptions) {
    this.#keys = generationKeys(options.keyPrefix ?? 'sluice:');
    this.#ttlMs = (options.ttlSeconds ?? DEFAULT_TTL_SECONDS) * 1000;
    this.#logger = options.logger;
    this.#client = client;
    this.#subscriber = subscriber;
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#keys.events) this.#receive(message);
    });
  }

  /** Unreadable data skipped: channel messages, and records left out of a list. */
  get unreadableEvents(): number {
    return this.#unreadableEvents;
  }

  async create(record: GenerationRecord): Promise<void> {
    const indexes: string[] = [];
    if (record.sessionId !== undefined) indexes.push(this.#keys.session(record.sessionId));
    if (record.endUserId !== undefined) indexes.push(this.#keys.endUser(record.endUserId));
    const score = Date.parse(record.createdAt);
    const created = await createRecordScript.run(
      this.#client,
      [this.#keys.record(record.id), ...indexes],
      [
        this.#ttlMs,
        Number.isFinite(score) ? score : Date.now(),
        record.id,
        ...encodeFields(record),
      ],
    );
    if (created === 0) throw new GenerationExistsError(`Generation ${record.id} exists`);
  }

  async get(id: string): Promise<GenerationRecord | undefined> {
    const fields = await this.#client.hgetall(this.#keys.record(id));
    return Object.keys(fields).length === 0 ? undefined : decodeRecord(id, fields);
  }

  async update(
    id: string,
    patch: GenerationRecordPatch,
    options: UpdateOptions = {},
  ): Promise<GenerationRecord | undefined> {
    const set = encodeFields(patch);
    // A patch that sets a field to undefined removes it (records hold no undefined values).
    const cleared = Object.entries(patch)
      .filter(([, value]) => value === undefined)
      .map(([field]) => field);
    const fields = await updateRecordScript.run(
      this.#client,
      [this.#keys.record(id)],
      [
        options.ifStatus === undefined ? '' : JSON.stringify(options.ifStatus),
        this.#keys.events,
        this.#origin,
        options.ifProducerEpoch === undefined ? '' : JSON.stringify(options.ifProducerEpoch),
        set.length / 2,
        ...set,
        ...cleared,
      ],
    );
    if (!Array.isArray(fields)) return undefined;
    const record = decodeRecord(id, fields as string[]);
    this.#emit({ type: 'updated', record: decodeRecord(id, fields as string[]) });
    return record;
  }

  async list(options: ListOptions): Promise<GenerationRecord[]> {
    let index: string;
    if (options.sessionId !== undefined) index = this.#keys.session(options.sessionId);
    else if (options.endUserId !== undefined) index = this.#keys.endUser(options.endUserId);
    else return [];
    const ids = await this.#client.zrange(index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hgetall(this.#keys.record(id));
    const replies = (await pipeline.exec()) ?? [];
    const found: GenerationRecord[] = [];
    const expired: string[] = [];
    ids.forEach((id, position) => {
      const [error, fields] = replies[position] ?? [new Error('no reply'), undefined];
      if (error) throw error;
      if (Object.keys(fields as object).length === 0) {
        expired.push(id);
        return;
      }
      try {
        const record = decodeRecord(id, fields as Record<string, string>);
        if (options.sessionId !== undefined && record.sessionId !== options.sessionId) return;
        if (options.endUserId !== undefined && record.endUserId !== options.endUserId) return;
        found.push(record);
      } catch (error) {
        // One unreadable record must not hide the others from an export or a deletion.
        this.#unreadable({ id, error: (error as Error).message }, 'skipped an unreadable record');
      }
    });
    if (expired.length > 0) await this.#client.zrem(index, ...expired);
    return found;
  }

  async keepRequest(id: string, request: string): Promise<void> {
    // As long as the record: its remaining time to live.
    const ttlMs = await this.#client.pttl(this.#keys.record(id));
    if (ttlMs > 0) await this.#client.set(this.#keys.request(id), request, 'PX', ttlMs);
  }

  async keptRequest(id: string): Promise<string | undefined> {
    return (await this.#client.get(this.#keys.request(id))) ?? undefined;
  }

  async delete(id: string): Promise<boolean> {
    const key = this.#keys.record(id);
    const [sessionId, endUserId] = await this.#client.hmget(key, 'sessionId', 'endUserId');
    const transaction = this.#client.multi().del(key).del(this.#keys.request(id));
    const owner = (value: string | null) => {
      try {
        const decoded: unknown = value === null ? undefined : JSON.parse(value);
        return typeof decoded === 'string' ? decoded : undefined;
      } catch {
        return undefined; // An unreadable owner has no index entry of ours to remove.
      }
    };
    const session = owner(sessionId ?? null);
    const endUser = owner(endUserId ?? null);
    if (session !== undefined) transaction.zrem(this.#keys.session(session), id);
    if (endUser !== undefined) transaction.zrem(this.#keys.endUser(endUser), id);
    const replies = (await transaction.exec()) ?? [];
    const [error, deleted] = replies[0] ?? [new Error('no reply'), 0];
    if (error) throw error;
    return deleted === 1;
  }

  async control(id: string, control: GenerationControl): Promise<void> {
    const event: GenerationStoreEvent = { type: 'control', id, control };
    // Local listeners first: a stop accepted by the producer's own node works even when
    // Redis is down; the publish then fails to the caller for the other nodes.
    this.#emit(event);
    await this.#client.publish(this.#keys.events, JSON.stringify({ origin: this.#origin, event }));
  }

  subscribe(listener: (event: GenerationStoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    this.#listeners.clear();
    await Promise.all([closeRedis(this.#subscriber), closeRedis(this.#client)]);
  }

  #receive(message: string): void {
    let event: GenerationStoreEvent;
    try {
      const parsed = JSON.parse(message) as { origin?: unknown; event?: GenerationStoreEvent };
      if (parsed.origin === this.#origin) return;
      event = readEvent(parsed.event);
    } catch (error) {
      this.#unreadable({ error: (error as Error).message }, 'skipped an unreadable store event');
      return;
    }
    // A listener that throws here would throw inside ioredis's reply parser: report it and
    // go on with the other listeners.
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger?.warn({ error: (error as Error).message }, 'a store event listener failed');
      }
    }
  }

  #emit(event: GenerationStoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #unreadable(fields: object, message: string): void {
    this.#unreadableEvents += 1;
    this.#logger?.warn(fields, message);
  }
}

function readEvent(event: unknown): GenerationStoreEvent {
  const candidate = event as { type?: unknown; id?: unknown; control?: unknown; record?: unknown };
  if (candidate?.type === 'updated') {
    const record = candidate.record as GenerationRecord;
    checkRecord(String(record?.id), record);
    return { type: 'updated', record };
  }
  if (candidate?.type === 'control' && typeof candidate.id === 'string') {
    const control = candidate.control as GenerationControl | undefined;
    if (control?.type === 'stop' || control?.type === 'reader') {
      return { type: 'control', id: candidate.id, control };
    }
  }
  throw new TypeError('not a generation store event');
}
