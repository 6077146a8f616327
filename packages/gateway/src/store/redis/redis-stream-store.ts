/**
 * The stream log over Redis Streams (ioredis), for gateways that scale out: any node can
 * serve any stream. Every call is one Lua script (`redis-stream-lua.ts`), so an append is
 * one round trip and its producer, `Stream-Seq`, closure and budget checks are atomic with
 * it. Offsets are the positions Redis entry ids carry (`<position>-0`), formatted by
 * `@sluice/protocol`, so they sort as strings. Live reads wait on one subscriber
 * connection per store (`redis-stream-wakeups.ts`) and readers woken together at one
 * offset share one Redis read. Forks share their source's entries, as in memory.
 *
 * Redis going away never leaves a reader waiting: a lost connection wakes every waiting
 * read, whose next read fails with `RedisUnavailableError` unless ioredis reconnected in
 * the meantime (a blip), in which case the reader simply carries on. Appends carry a
 * token, so one that ioredis resends after a reconnect is not stored twice.
 */
import { createHash, randomBytes } from 'node:crypto';
import { NOW_OFFSET } from '@sluice/protocol';
import type { Redis } from 'ioredis';
import { mediaTypeOf } from '../media-type.ts';
import { OffsetMemo } from '../offset-memo.ts';
import { appendMessagesOf, messagesCost, textCost } from '../stream-budget.ts';
import {
  type AppendOptions,
  type AppendResult,
  type CreateStreamOptions,
  type CreateStreamResult,
  type ReadBatch,
  type ReadOptions,
  type StoredMessage,
  type StreamInfo,
  StreamNotFoundError,
  type StreamStore,
} from '../stream-store.ts';
import { openRedisConnections } from './redis-connection.ts';
import { STREAM_SCRIPTS, type StreamScriptName } from './redis-stream-lua.ts';
import {
  flatten,
  integer,
  RedisStreamDataError,
  type Reply,
  text,
  throwIfFailed,
} from './redis-stream-replies.ts';
import { StreamWakeups } from './redis-stream-wakeups.ts';
import { RedisUnavailableError } from './redis-unavailable-error.ts';

export interface RedisStreamStoreOptions {
  /** `redis://…` URL; the store opens (and on dispose closes) its two connections. */
  url?: string;
  /** Or a connection the caller owns; the store duplicates it for its subscriber. */
  client?: Redis;
  /** Prefix of every key and channel, e.g. `sluice:`; lets deployments share a Redis. */
  keyPrefix?: string;
  maxMessagesPerRead?: number;
  maxBytesPerRead?: number;
  /** How often expired streams are swept (readers released, budgets given back). */
  sweepIntervalMs?: number;
  /** How long `connect` waits for Redis to answer before failing (default 5 s). */
  connectTimeoutMs?: number;
}

const DEFAULT_MAX_MESSAGES = 1000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_SWEEP_INTERVAL_MS = 1000;
const SWEEP_BATCH = 100;

/** Remembered tails at most (one per stream read live on this node). */
const MAX_REMEMBERED_TAILS = 50_000;

export class RedisStreamStore implements StreamStore {
  readonly specificationVersion = 'v1';
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #ownsClient: boolean;
  readonly #prefix: string;
  readonly #wakeups = new StreamWakeups();
  /** Per live-read path: the tail a reader last saw and the path's wake-up count then. */
  readonly #tails = new Map<string, { offset: string; version: number }>();
  readonly #offsets = new OffsetMemo();
  readonly #shas = new Map<StreamScriptName, string>();
  /** Waiting reads in flight, by path, offset, bounds and wake-up generation. */
  readonly #sharedReads = new Map<string, Promise<ReadBatch>>();
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #sweepTimer: NodeJS.Timeout;
  #sweeping = false;
  /** Append tokens: this store's random prefix and a counter (see the append script). */
  readonly #tokenPrefix = randomBytes(9).toString('base64url');
  #appendCount = 0;
  readonly #connectionLost = (): void => this.#wakeups.notifyAll();

  private constructor(
    client: Redis,
    subscriber: Redis,
    ownsClient: boolean,
    options: RedisStreamStoreOptions,
  ) {
    this.#client = client;
    this.#subscriber = subscriber;
    this.#ownsClient = ownsClient;
    this.#prefix = options.keyPrefix ?? 'sluice:';
    this.#maxMessages = options.maxMessagesPerRead ?? DEFAULT_MAX_MESSAGES;
    this.#maxBytes = options.maxBytesPerRead ?? DEFAULT_MAX_BYTES;
    for (const [name, lua] of Object.entries(STREAM_SCRIPTS)) {
      this.#shas.set(name as StreamScriptName, createHash('sha1').update(lua).digest('hex'));
    }
    this.#sweepTimer = setInterval(
      () => void this.#sweep(),
      options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
    );
    this.#sweepTimer.unref();
  }

  /**
   * Connects, subscribes to wake-ups and answers a ready store; `BackendUnavailableError`
   * (naming Redis, never its password) when Redis does not answer.
   */
  static async connect(options: RedisStreamStoreOptions): Promise<RedisStreamStore> {
    const { client, subscriber, ownsClient } = await openRedisConnections(options);
    const store = new RedisStreamStore(client, subscriber, ownsClient, options);
    subscriber.on('message', (_channel: string, path: string) => store.#wakeups.notify(path));
    // After a reconnect, changes may have been missed: every waiting reader re-reads.
    subscriber.on('ready', () => store.#wakeups.notifyAll());
    // A lost connection: every waiting reader re-reads now, and so learns at once whether
    // Redis is still there (a read fails after a few reconnect attempts) instead of
    // waiting for a wake-up that cannot come.
    subscriber.on('close', store.#connectionLost);
    client.on('close', store.#connectionLost);
    await subscriber.subscribe(`${store.#prefix}wake`);
    return store;
  }

  async create(path: string, options: CreateStreamOptions): Promise<CreateStreamResult> {
    const fork = options.fork;
    const initial = appendMessagesOf(options.initialMessages ?? [], options.initialPackedEnds);
    const { data, ends } = flatten(initial);
    const budget = options.budget;
    const reply = await this.#run('sluiceStreamCreate', [
      path,
      options.contentType === undefined ? '' : mediaTypeOf(options.contentType),
      options.contentType ?? '',
      options.ttlSeconds === undefined ? '' : String(options.ttlSeconds),
      options.expiresAt === undefined ? '' : String(options.expiresAt.getTime()),
      options.closed === true ? '1' : '0',
      fork === undefined ? '0' : '1',
      fork?.sourcePath ?? '',
      fork?.offset === undefined ? '' : `=${fork.offset}`,
      fork === undefined ? '' : this.#positionArgument(fork.offset ?? NOW_OFFSET),
      String(fork?.subOffset ?? 0),
      budget?.account ?? '',
      String(budget?.maxStreams ?? 0),
      String(budget?.maxBytes ?? 0),
      String(messagesCost(initial, true)),
      String(messagesCost(initial, false)),
      data,
      ends,
    ]);
    return { created: text(reply[0]) === 'CREATED', info: this.#info(path, reply, 1) };
  }

  async append(
    path: string,
    given: readonly Uint8Array[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const messages = appendMessagesOf(given, options.packedEnds);
    const { data, ends, messageEnds } = flatten(messages);
    const producer = options.producer;
    const reply = await this.#runOnStream(path, 'sluiceStreamAppend', [
      path,
      producer === undefined ? '0' : '1',
      producer?.id ?? '',
      String(producer?.epoch ?? 0),
      String(producer?.seq ?? 0),
      options.close === true ? '1' : '0',
      options.contentType === undefined ? '' : mediaTypeOf(options.contentType),
      options.streamSeq === undefined ? '0' : '1',
      options.streamSeq ?? '',
      options.budget === undefined ? '0' : '1',
      String(options.budget?.maxBytes ?? 0),
      String(messagesCost(messages, true)),
      String(messagesCost(messages, false)),
      String(textCost(options.streamSeq)),
      String(textCost(producer?.id)),
      data,
      ends,
      `${this.#tokenPrefix}.${++this.#appendCount}`,
    ]);
    if (text(reply[0]) === 'DUPLICATE') {
      const duplicate: AppendResult = {
        offset: this.#offsets.format(integer(reply[1])),
        offsets: [],
        duplicate: true,
        closed: integer(reply[2]) === 1,
      };
      // A resend recognised by its token answers no producer state: this call's is it.
      const epoch = text(reply[3]);
      if (epoch !== '') duplicate.producer = { epoch: Number(epoch), seq: Number(text(reply[4])) };
      else if (producer !== undefined) {
        duplicate.producer = { epoch: producer.epoch, seq: producer.seq };
      }
      return duplicate;
    }
    const oldTail = integer(reply[1]);
    const json = integer(reply[4]) === 1;
    const offsets: string[] = [];
    if (json) {
      for (let index = 1; index <= messageEnds.length; index++) {
        offsets.push(this.#offsets.format(oldTail + index));
      }
    } else {
      for (const end of messageEnds) offsets.push(this.#offsets.format(oldTail + end));
    }
    const result: AppendResult = {
      offset: this.#offsets.format(integer(reply[2])),
      offsets,
      closed: integer(reply[3]) === 1,
    };
    if (producer !== undefined) result.producer = { epoch: producer.epoch, seq: producer.seq };
    return result;
  }

  async read(path: string, options: ReadOptions): Promise<ReadBatch> {
    const maxMessages = Math.max(1, Math.min(options.maxMessages ?? Infinity, this.#maxMessages));
    const maxBytes = Math.max(1, Math.min(options.maxBytes ?? Infinity, this.#maxBytes));
    const signal = options.signal;
    // A function, not a narrowed field: the signal may abort while this awaits.
    const aborted = (): boolean => signal?.aborted === true;
    if (options.wait !== true || aborted()) {
      return this.#readOnce(path, options.offset, maxMessages, maxBytes);
    }
    // Armed before asking Redis, so a change between the read and the wait still wakes it.
    let waiter = this.#wakeups.arm(path, signal);
    let batch: ReadBatch = {
      messages: [],
      nextOffset: options.offset,
      upToDate: true,
      closed: false,
    };
    try {
      for (;;) {
        // Taken before the read: a wake-up during it makes what the read saw stale.
        const version = this.#wakeups.version(path);
        const known = this.#tails.get(path);
        // A reader that just read up to the tail, with no wake-up for the stream since,
        // waits without asking Redis again: one call per token saved for every live reader.
        if (known?.offset !== options.offset || known.version !== version) {
          batch = await this.#sharedRead(path, options.offset, maxMessages, maxBytes);
          if (batch.messages.length > 0 || batch.closed || !batch.upToDate) {
            if (batch.upToDate && !batch.closed)
              this.#rememberTail(path, batch.nextOffset, version);
            return batch;
          }
          this.#rememberTail(path, options.offset, version);
        }
        if (aborted()) return batch;
        await waiter.changed;
        if (aborted()) return batch;
        if (this.#wakeups.disposed) throw new StreamNotFoundError('The store was disposed');
        waiter = this.#wakeups.arm(path, signal);
      }
    } finally {
      waiter.cancel();
    }
  }

  /** Where a path's tail was when its wake-up count was `version` (nothing if untracked). */
  #rememberTail(path: string, offset: string, version: number | undefined): void {
    if (version === undefined) return;
    if (this.#tails.size >= MAX_REMEMBERED_TAILS) this.#tails.clear();
    this.#tails.set(path, { offset, version });
  }

  async head(path: string): Promise<StreamInfo | undefined> {
    const reply = await this.#run('sluiceStreamHead', [path]);
    if (text(reply[0]) === 'NONE') return undefined;
    return this.#info(path, reply, 1);
  }

  async close(path: string): Promise<StreamInfo> {
    return this.#info(path, await this.#run('sluiceStreamClose', [path]), 1);
  }

  async delete(path: string): Promise<boolean> {
    return text((await this.#run('sluiceStreamDelete', [path]))[0]) === 'OK';
  }

  async dispose(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#wakeups.dispose();
    // The client may be the caller's, and outlive the store.
    this.#client.off('close', this.#connectionLost);
    this.#subscriber.disconnect();
    if (this.#ownsClient) await this.#client.quit();
  }

  /** One read; woken readers at one offset share it until the next wake-up arrives. */
  #sharedRead(
    path: string,
    offset: string,
    maxMessages: number,
    maxBytes: number,
  ): Promise<ReadBatch> {
    const key = `${this.#wakeups.generation}\n${maxMessages}\n${maxBytes}\n${offset}\n${path}`;
    const shared = this.#sharedReads.get(key);
    if (shared !== undefined) return shared;
    const reading = this.#readOnce(path, offset, maxMessages, maxBytes);
    this.#sharedReads.set(key, reading);
    const forget = (): void => {
      this.#sharedReads.delete(key);
    };
    reading.then(forget, forget);
    return reading;
  }

  async #readOnce(
    path: string,
    offset: string,
    maxMessages: number,
    maxBytes: number,
  ): Promise<ReadBatch> {
    const reply = await this.#run('sluiceStreamRead', [
      path,
      this.#positionArgument(offset),
      String(maxMessages),
      String(maxBytes),
    ]);
    const tail = integer(reply[1]);
    const next = integer(reply[3]);
    const messages: StoredMessage[] = [];
    for (let index = 4; index + 1 < reply.length; index += 2) {
      const data = reply[index + 1];
      messages.push({
        offset: this.#offsets.format(integer(reply[index])),
        // A view, not a copy: Buffers compare unequal to plain Uint8Arrays in callers' checks.
        data:
          data instanceof Buffer
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : new Uint8Array(),
      });
    }
    const upToDate = next === tail;
    return {
      messages,
      nextOffset: this.#offsets.format(next),
      upToDate,
      closed: integer(reply[2]) === 1 && upToDate,
    };
  }

  #positionArgument(offset: string): string {
    if (offset === NOW_OFFSET) return 'now';
    const position = this.#offsets.parse(offset);
    return position === undefined ? 'bad' : String(position);
  }

  #info(path: string, reply: Reply, at: number): StreamInfo {
    const contentType = text(reply[at]);
    const info: StreamInfo = {
      path,
      contentType,
      tailOffset: this.#offsets.format(integer(reply[at + 1])),
      closed: integer(reply[at + 2]) === 1,
      createdAt: new Date(Number(text(reply[at + 5]))),
    };
    const ttl = text(reply[at + 3]);
    const expiresAt = text(reply[at + 4]);
    if (ttl !== '') info.ttlSeconds = Number(ttl);
    if (expiresAt !== '') info.expiresAt = new Date(Number(expiresAt));
    return info;
  }

  /**
   * Runs a script that writes to `path`. When the stream's data turns out unreadable, its
   * writer fails and will write no more, so no wake-up would ever reach its readers: they
   * are woken here (on every node) and meet the same error on their next read.
   */
  async #runOnStream(
    path: string,
    name: StreamScriptName,
    args: (string | Buffer)[],
  ): Promise<Reply> {
    try {
      return await this.#run(name, args);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SLUICE_ERR_STORE_DATA_INVALID') {
        this.#wakeups.notify(path);
        this.#client.publish(`${this.#prefix}wake`, path).catch(() => {
          // Best effort: other nodes' readers then wait for their connection's end instead.
        });
      }
      throw error;
    }
  }

  /** Runs a script by its hash (loading it on first use); maps error words to errors. */
  async #run(name: StreamScriptName, args: (string | Buffer)[]): Promise<Reply> {
    const sha = this.#shas.get(name) ?? '';
    const argv = [this.#prefix, ...args];
    let reply: unknown;
    try {
      try {
        reply = await this.#client.callBuffer('EVALSHA', [sha, 0, ...argv]);
      } catch (error) {
        if (!String((error as Error | undefined)?.message).startsWith('NOSCRIPT')) throw error;
        reply = await this.#client.callBuffer('EVAL', [STREAM_SCRIPTS[name], 0, ...argv]);
      }
    } catch (error) {
      // A script that fails inside Redis met keys it cannot read (a wrong type, foreign
      // data); anything else is the connection. Neither message carries the arguments.
      if ((error as Error | undefined)?.name === 'ReplyError') {
        throw new RedisStreamDataError('The stream data in Redis is unreadable', { cause: error });
      }
      throw new RedisUnavailableError('Redis (stream store) is unavailable', { cause: error });
    }
    if (!Array.isArray(reply) || reply.length === 0) {
      throw new RedisStreamDataError('The store answered something unexpected');
    }
    const answer = reply as Reply;
    throwIfFailed(answer);
    return answer;
  }

  async #sweep(): Promise<void> {
    if (this.#sweeping || this.#wakeups.disposed) return;
    this.#sweeping = true;
    try {
      await this.#run('sluiceStreamSweep', [String(SWEEP_BATCH)]);
    } catch {
      // A sweep that fails (Redis briefly away) is retried on the next tick; access
      // checks expiry lazily meanwhile.
    } finally {
      this.#sweeping = false;
    }
  }
}
