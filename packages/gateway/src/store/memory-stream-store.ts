/**
 * The embedded stream log: every stream lives in this process's memory. Built for many
 * concurrent token streams: an append is a push onto an array and a wake of the
 * stream's waiting readers (no polling, no copying of payloads), and reads hand out
 * the stored buffers themselves (or views of them). Forks share their source's data.
 * Streams created with a budget are counted per account in O(1) per call: a stream count
 * and the stored bytes of `stream-budget.ts`; streams without one (generation logs) cost
 * nothing extra.
 */
import { NOW_OFFSET } from '@sluice/protocol';
import { onAbort } from './abort-listeners.ts';
import { mediaTypeOf } from './media-type.ts';
import {
  type AccountUsage,
  MemoryAccountLedger,
  type StreamUsage,
} from './memory-account-ledger.ts';
import {
  collectBatch,
  dropAppendsFrom,
  findAppendEnd,
  pushChunk,
  type StoredData,
} from './memory-stream-data.ts';
import { OffsetMemo } from './offset-memo.ts';
import {
  type AppendMessages,
  appendMessagesOf,
  messageCount,
  messagesCost,
  textCost,
} from './stream-budget.ts';
import {
  type AppendOptions,
  type AppendResult,
  ContentTypeMismatchError,
  type CreateStreamOptions,
  type CreateStreamResult,
  type ForkOptions,
  InvalidOffsetError,
  ProducerEpochStaleError,
  ProducerSequenceError,
  type ReadBatch,
  type ReadOptions,
  StreamBytesExceededError,
  StreamClosedError,
  StreamConflictError,
  StreamGoneError,
  type StreamInfo,
  StreamNotFoundError,
  StreamSeqConflictError,
  type StreamStore,
} from './stream-store.ts';

export interface MemoryStreamStoreOptions {
  /** Ceiling (and default) for messages in one read batch. */
  maxMessagesPerRead?: number;
  /** Ceiling (and default) for payload bytes in one read batch. */
  maxBytesPerRead?: number;
  /** How often expired streams are swept; access also checks expiry lazily. */
  sweepIntervalMs?: number;
}

const DEFAULT_MAX_MESSAGES = 1000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_SWEEP_INTERVAL_MS = 1000;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

interface ProducerState {
  epoch: number;
  lastSeq: number;
}

interface ForkOrigin {
  sourcePath: string;
  offset: string | undefined;
  subOffset: number;
  source: StreamRecord;
}

interface StreamRecord extends StoredData {
  readonly path: string;
  readonly contentType: string;
  readonly mediaType: string;
  readonly createdAt: Date;
  readonly ttlSeconds: number | undefined;
  readonly expiresAt: Date | undefined;
  readonly fork: ForkOrigin | undefined;
  closed: boolean;
  /** Soft-deleted: gone for clients, kept as a tombstone while forks of it live. */
  deleted: boolean;
  expiresAtMs: number;
  lastStreamSeq: string | undefined;
  producers: Map<string, ProducerState> | undefined;
  forkCount: number;
  /** The furthest fork point of any fork made from this stream. */
  forkReach: number;
  waiters: Set<() => void> | undefined;
  readonly offsets: OffsetMemo;
  /** The account the stream counts against; undefined when it is not counted. */
  readonly account: AccountUsage | undefined;
  /** What the stream costs its account now (own data, producers, `Stream-Seq`). */
  cost: number;
}

export class MemoryStreamStore implements StreamStore {
  readonly specificationVersion = 'v1';
  readonly #records = new Map<string, StreamRecord>();
  /** Only streams with an expiry, so the sweep does not walk every stream. */
  readonly #expiring = new Set<StreamRecord>();
  readonly #ledger = new MemoryAccountLedger();
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #sweepTimer: NodeJS.Timeout;

  constructor(options: MemoryStreamStoreOptions = {}) {
    this.#maxMessages = options.maxMessagesPerRead ?? DEFAULT_MAX_MESSAGES;
    this.#maxBytes = options.maxBytesPerRead ?? DEFAULT_MAX_BYTES;
    this.#sweepTimer = setInterval(
      () => this.#sweep(),
      options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    );
    this.#sweepTimer.unref();
  }

  async create(path: string, options: CreateStreamOptions): Promise<CreateStreamResult> {
    const existing = this.#lookup(path);
    if (existing?.deleted) {
      throw new StreamConflictError('The stream was deleted and its data is still held by forks');
    }
    if (existing !== undefined) {
      if (!sameConfiguration(existing, options)) {
        throw new StreamConflictError('The stream exists with a different configuration');
      }
      return { created: false, info: infoOf(existing) };
    }
    const source = options.fork === undefined ? undefined : this.#forkSource(options.fork);
    const contentType = options.contentType ?? source?.contentType ?? DEFAULT_CONTENT_TYPE;
    const mediaType = mediaTypeOf(contentType);
    if (source !== undefined && source.mediaType !== mediaType) {
      throw new StreamConflictError('A fork must have the content type of its source');
    }
    const inheritsExpiry =
      source !== undefined && options.ttlSeconds === undefined && options.expiresAt === undefined;
    const ttlSeconds = inheritsExpiry ? source.ttlSeconds : options.ttlSeconds;
    const expiresAt = inheritsExpiry ? source.expiresAt : options.expiresAt;
    const base =
      source === undefined || options.fork === undefined ? 0 : forkPosition(source, options.fork);
    const json = mediaType === 'application/json';
    const initial = appendMessagesOf(options.initialMessages ?? [], options.initialPackedEnds);
    const initialCost = messagesCost(initial, json);
    const account =
      options.budget === undefined ? undefined : this.#ledger.admit(options.budget, initialCost);
    const record: StreamRecord = {
      path,
      contentType,
      mediaType,
      json,
      createdAt: new Date(),
      ttlSeconds,
      expiresAt,
      fork:
        source === undefined || options.fork === undefined
          ? undefined
          : {
              sourcePath: options.fork.sourcePath,
              offset: options.fork.offset,
              subOffset: options.fork.subOffset ?? 0,
              source,
            },
      chunks: [],
      ends: [],
      tail: base,
      base,
      parent: source,
      closed: options.closed === true,
      deleted: false,
      expiresAtMs: Number.POSITIVE_INFINITY,
      lastStreamSeq: undefined,
      producers: undefined,
      forkCount: 0,
      forkReach: 0,
      waiters: undefined,
      offsets: new OffsetMemo(),
      account,
      cost: 0,
    };
    if (messageCount(initial) > 0) {
      pushChunk(record, initial, record.offsets);
      this.#ledger.charge(record, initialCost);
    }
    if (source !== undefined) {
      source.forkCount += 1;
      source.forkReach = Math.max(source.forkReach, base);
    }
    this.#records.set(path, record);
    this.#touch(record);
    if (record.expiresAtMs !== Number.POSITIVE_INFINITY) this.#expiring.add(record);
    return { created: true, info: infoOf(record) };
  }

  async append(
    path: string,
    given: readonly Uint8Array[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const record = this.#requireLive(path);
    this.#touch(record);
    const producer = options.producer;
    let producerState: ProducerState | undefined;
    if (producer !== undefined) {
      producerState = record.producers?.get(producer.id);
      if (producerState !== undefined) {
        if (producer.epoch < producerState.epoch) {
          throw new ProducerEpochStaleError(producerState.epoch);
        }
        if (producer.epoch === producerState.epoch) {
          if (producer.seq <= producerState.lastSeq) {
            return {
              offset: record.offsets.format(record.tail),
              offsets: [],
              duplicate: true,
              closed: record.closed,
              producer: { epoch: producerState.epoch, seq: producerState.lastSeq },
            };
          }
          if (producer.seq !== producerState.lastSeq + 1) {
            throw new ProducerSequenceError(producer.seq, producerState.lastSeq + 1);
          }
        } else if (producer.seq !== 0) {
          throw new ProducerSequenceError(producer.seq);
        }
      } else if (producer.seq !== 0) {
        throw new ProducerSequenceError(producer.seq, 0);
      }
    }
    if (record.closed) {
      throw new StreamClosedError('The stream is closed', record.offsets.format(record.tail));
    }
    const messages = appendMessagesOf(given, options.packedEnds);
    const count = messageCount(messages);
    if (
      options.contentType !== undefined &&
      count > 0 &&
      mediaTypeOf(options.contentType) !== record.mediaType
    ) {
      throw new ContentTypeMismatchError('The content type does not match the stream');
    }
    if (
      options.streamSeq !== undefined &&
      record.lastStreamSeq !== undefined &&
      options.streamSeq <= record.lastStreamSeq
    ) {
      throw new StreamSeqConflictError('Stream-Seq must increase');
    }
    // Uncounted streams (generation logs) skip the costing altogether.
    const cost =
      record.account === undefined
        ? 0
        : appendCost(record, messages, count, options, producerState === undefined);
    if (
      count > 0 &&
      options.budget !== undefined &&
      record.account !== undefined &&
      record.account.bytes + cost > options.budget.maxBytes
    ) {
      throw new StreamBytesExceededError(options.budget.maxBytes);
    }
    const offsets = count > 0 ? pushChunk(record, messages, record.offsets) : [];
    this.#ledger.charge(record, cost);
    if (options.streamSeq !== undefined) record.lastStreamSeq = options.streamSeq;
    if (producer !== undefined) {
      if (record.producers === undefined) record.producers = new Map();
      record.producers.set(producer.id, { epoch: producer.epoch, lastSeq: producer.seq });
    }
    if (options.close === true) record.closed = true;
    if (offsets.length > 0 || options.close === true) wakeReaders(record);
    const result: AppendResult = {
      offset: record.offsets.format(record.tail),
      offsets,
      closed: record.closed,
    };
    if (producer !== undefined) result.producer = { epoch: producer.epoch, seq: producer.seq };
    return result;
  }

  async read(path: string, options: ReadOptions): Promise<ReadBatch> {
    const record = this.#requireLive(path);
    this.#touch(record);
    const position = resolvePosition(record, options.offset);
    const maxMessages = Math.max(1, Math.min(options.maxMessages ?? Infinity, this.#maxMessages));
    const maxBytes = Math.max(1, Math.min(options.maxBytes ?? Infinity, this.#maxBytes));
    if (
      position < record.tail ||
      options.wait !== true ||
      record.closed ||
      options.signal?.aborted === true
    ) {
      return collectBatch(record, position, maxMessages, maxBytes, record.closed, record.offsets);
    }
    await waitForChange(record, options.signal);
    if (this.#lookup(path) !== record || record.deleted) {
      throw new StreamNotFoundError('The stream was deleted');
    }
    return collectBatch(record, position, maxMessages, maxBytes, record.closed, record.offsets);
  }

  async head(path: string): Promise<StreamInfo | undefined> {
    const record = this.#lookup(path);
    if (record === undefined) return undefined;
    if (record.deleted) throw new StreamGoneError('The stream was deleted');
    return infoOf(record);
  }

  async close(path: string): Promise<StreamInfo> {
    const record = this.#requireLive(path);
    this.#touch(record);
    if (!record.closed) {
      record.closed = true;
      wakeReaders(record);
    }
    return infoOf(record);
  }

  async delete(path: string): Promise<boolean> {
    const record = this.#lookup(path);
    if (record === undefined) return false;
    if (record.deleted) throw new StreamGoneError('The stream was deleted');
    this.#remove(record);
    return true;
  }

  async dispose(): Promise<void> {
    clearInterval(this.#sweepTimer);
    const records = [...this.#records.values()];
    this.#records.clear();
    this.#expiring.clear();
    this.#ledger.clear();
    for (const record of records) wakeReaders(record);
  }

  /** What an account's streams hold now, as budgets count it (for stats and tests). */
  usage(account: string): StreamUsage {
    return this.#ledger.usage(account);
  }

  /** The record at a path after a lazy expiry check; tombstones included. */
  #lookup(path: string): StreamRecord | undefined {
    const record = this.#records.get(path);
    if (
      record !== undefined &&
      record.expiresAtMs !== Number.POSITIVE_INFINITY &&
      !record.deleted &&
      record.expiresAtMs <= Date.now()
    ) {
      this.#remove(record);
      return this.#records.get(path);
    }
    return record;
  }

  #requireLive(path: string): StreamRecord {
    const record = this.#lookup(path);
    if (record === undefined) throw new StreamNotFoundError('The stream does not exist');
    if (record.deleted) throw new StreamGoneError('The stream was deleted');
    return record;
  }

  #forkSource(fork: ForkOptions): StreamRecord {
    const source = this.#lookup(fork.sourcePath);
    if (source === undefined) throw new StreamNotFoundError('The fork source does not exist');
    if (source.deleted) throw new StreamConflictError('The fork source was deleted');
    return source;
  }

  /** Reads and writes restart a sliding TTL; an absolute expiry never moves. */
  #touch(record: StreamRecord): void {
    if (record.ttlSeconds === undefined && record.expiresAt === undefined) return;
    const absolute = record.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const sliding =
      record.ttlSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : Date.now() + record.ttlSeconds * 1000;
    record.expiresAtMs = Math.min(absolute, sliding);
  }

  /**
   * Deletes or expires a stream. Forks share their source's data, so a source with live
   * forks stays as a tombstone (its path reserved, still counted) keeping only the data
   * before its furthest fork point, until the last fork goes.
   */
  #remove(record: StreamRecord): void {
    this.#expiring.delete(record);
    let freed = textCost(record.lastStreamSeq);
    for (const id of record.producers?.keys() ?? []) freed += textCost(id);
    record.producers = undefined;
    record.lastStreamSeq = undefined;
    record.deleted = true;
    if (record.forkCount > 0) {
      freed += dropAppendsFrom(record, record.forkReach);
      this.#ledger.charge(record, -freed);
      wakeReaders(record);
      return;
    }
    if (this.#records.get(record.path) === record) this.#records.delete(record.path);
    this.#ledger.discard(record);
    wakeReaders(record);
    this.#release(record.fork?.source);
  }

  /** A fork of `source` went; a deleted source goes with its last fork (up the chain). */
  #release(source: StreamRecord | undefined): void {
    for (let current = source; current !== undefined; current = current.fork?.source) {
      current.forkCount -= 1;
      if (current.forkCount > 0 || !current.deleted) return;
      if (this.#records.get(current.path) === current) this.#records.delete(current.path);
      this.#ledger.discard(current);
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const record of this.#expiring) {
      if (record.expiresAtMs <= now) this.#remove(record);
    }
  }
}

function sameConfiguration(existing: StreamRecord, options: CreateStreamOptions): boolean {
  const fork = options.fork;
  if (fork !== undefined || existing.fork !== undefined) {
    if (
      fork === undefined ||
      existing.fork === undefined ||
      fork.sourcePath !== existing.fork.sourcePath ||
      fork.offset !== existing.fork.offset ||
      (fork.subOffset ?? 0) !== existing.fork.subOffset
    ) {
      return false;
    }
  }
  const contentType =
    options.contentType ?? (fork === undefined ? DEFAULT_CONTENT_TYPE : undefined);
  if (contentType !== undefined && mediaTypeOf(contentType) !== existing.mediaType) return false;
  const inheritsExpiry =
    fork !== undefined && options.ttlSeconds === undefined && options.expiresAt === undefined;
  if (!inheritsExpiry) {
    if (options.ttlSeconds !== existing.ttlSeconds) return false;
    if (options.expiresAt?.getTime() !== existing.expiresAt?.getTime()) return false;
  }
  return (options.closed === true) === existing.closed;
}

function forkPosition(source: StreamRecord, fork: ForkOptions): number {
  const base = fork.offset === undefined ? source.tail : resolvePosition(source, fork.offset);
  const subOffset = fork.subOffset ?? 0;
  if (subOffset === 0) return base;
  const appendEnd = findAppendEnd(source, base);
  if (appendEnd === undefined || base + subOffset > appendEnd) {
    throw new InvalidOffsetError('The fork sub-offset is beyond the append at the fork offset');
  }
  return base + subOffset;
}

function resolvePosition(record: StreamRecord, offset: string): number {
  if (offset === NOW_OFFSET) return record.tail;
  const position = record.offsets.parse(offset);
  if (position === undefined) throw new InvalidOffsetError('The offset is malformed');
  if (position > record.tail) throw new InvalidOffsetError('The offset is beyond the tail');
  return position;
}

/**
 * What an append adds to its stream's cost: its data, a `Stream-Seq` value replacing the
 * last one, and a new producer's state.
 */
function appendCost(
  record: StreamRecord,
  messages: AppendMessages,
  count: number,
  options: AppendOptions,
  newProducer: boolean,
): number {
  let cost = count > 0 ? messagesCost(messages, record.json) : 0;
  if (options.streamSeq !== undefined) {
    cost += textCost(options.streamSeq) - textCost(record.lastStreamSeq);
  }
  if (options.producer !== undefined && newProducer) cost += textCost(options.producer.id);
  return cost;
}

function waitForChange(record: StreamRecord, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (record.waiters === undefined) record.waiters = new Set();
    const waiters = record.waiters;
    let cancelAbort: (() => void) | undefined;
    const wake = (): void => {
      waiters.delete(wake);
      cancelAbort?.();
      resolve();
    };
    waiters.add(wake);
    if (signal !== undefined) cancelAbort = onAbort(signal, wake);
  });
}

function wakeReaders(record: StreamRecord): void {
  const waiters = record.waiters;
  if (waiters === undefined || waiters.size === 0) return;
  record.waiters = undefined;
  for (const wake of waiters) wake();
}

function infoOf(record: StreamRecord): StreamInfo {
  const info: StreamInfo = {
    path: record.path,
    contentType: record.contentType,
    tailOffset: record.offsets.format(record.tail),
    closed: record.closed,
    createdAt: record.createdAt,
  };
  if (record.ttlSeconds !== undefined) info.ttlSeconds = record.ttlSeconds;
  if (record.expiresAt !== undefined) info.expiresAt = record.expiresAt;
  return info;
}
