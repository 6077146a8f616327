/**
 * How the memory store lays out a stream's data, and the pure functions over it: storing
 * an append, batching reads (across a fork's shared prefix), finding append boundaries
 * and dropping what a deleted stream's forks can no longer reach.
 *
 * Each append is one chunk and `ends` holds the position after each append. A byte
 * stream's chunk is the append's bytes (position = byte offset). A JSON stream's chunk is
 * the append's one message, its messages as given, or its packed batch (position =
 * message index), so a large JSON append costs one buffer and an offsets table, never a
 * buffer view per message.
 *
 * A fork shares its source's data instead of copying it: positions before `base` are read
 * from `parent` (itself possibly a fork), positions from `base` on from the fork's own
 * chunks. Appended data never changes, so sharing needs no copy.
 */
import type { OffsetMemo } from './offset-memo.ts';
import {
  type AppendMessages,
  isPacked,
  messageCount,
  messagesCost,
  type PackedMessages,
} from './stream-budget.ts';
import type { ReadBatch, StoredMessage } from './stream-store.ts';

/** One append: a byte stream's bytes, or a JSON stream's message, messages or packed batch. */
export type Chunk = Uint8Array | readonly Uint8Array[] | PackedMessages;

export interface StoredData {
  readonly json: boolean;
  chunks: Chunk[];
  /** Position after each own append, ascending; the first own append starts at `base`. */
  ends: number[];
  tail: number;
  /** Where the stream's own data starts: 0, or a fork's fork point. */
  readonly base: number;
  /** A fork's source, whose data before `base` this stream shares. */
  readonly parent: StoredData | undefined;
}

/** Index of the first entry of the ascending `ends` that is greater than `position`. */
function firstEndAfter(ends: readonly number[], position: number): number {
  let low = 0;
  let high = ends.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ends[middle] ?? 0) > position) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The chunk holding `position`; a live reader's usual answer, the newest, costs no search. */
function chunkIndexAt(data: StoredData, position: number): number {
  const ends = data.ends;
  const last = ends.length - 1;
  if (last >= 0 && position < (ends[last] ?? 0) && position >= (ends[last - 1] ?? data.base)) {
    return last;
  }
  return firstEndAfter(ends, position);
}

/** End of the append that holds `position`, as this stream sees it; undefined at the tail. */
export function findAppendEnd(data: StoredData, position: number): number | undefined {
  let current = data;
  let limit = Number.POSITIVE_INFINITY;
  while (current.parent !== undefined && position < current.base) {
    limit = Math.min(limit, current.base);
    current = current.parent;
  }
  const end = current.ends[firstEndAfter(current.ends, position)];
  return end === undefined ? undefined : Math.min(end, limit);
}

/** Stores one append of at least one message; returns the offset after each message. */
export function pushChunk(
  data: StoredData,
  messages: AppendMessages,
  offsets: OffsetMemo,
): string[] {
  const result: string[] = [];
  if (data.json) {
    const count = messageCount(messages);
    const single = isPacked(messages) || messages.length !== 1 ? undefined : messages[0];
    // Kept as given (a copy of the list, not of the bytes): the caller may reuse its array.
    const chunk = single ?? (isPacked(messages) ? messages : [...messages]);
    for (let index = 1; index <= count; index++) result.push(offsets.format(data.tail + index));
    data.tail += count;
    data.chunks.push(chunk);
    data.ends.push(data.tail);
    return result;
  }
  // A byte stream keeps one chunk per append, so chunk ends are append boundaries.
  let chunk: Uint8Array;
  if (isPacked(messages)) {
    chunk = messages.data;
    for (const end of messages.ends) result.push(offsets.format(data.tail + end));
  } else if (messages.length === 1 && messages[0] !== undefined) {
    chunk = messages[0];
    result.push(offsets.format(data.tail + chunk.byteLength));
  } else {
    chunk = Buffer.concat(messages);
    let position = data.tail;
    for (const message of messages) {
      position += message.byteLength;
      result.push(offsets.format(position));
    }
  }
  if (chunk.byteLength > 0) {
    data.chunks.push(chunk);
    data.tail += chunk.byteLength;
    data.ends.push(data.tail);
  }
  return result;
}

/** What a stored chunk costs against its account (`stream-budget.ts`). */
export function chunkCost(chunk: Chunk, json: boolean): number {
  return messagesCost(chunk instanceof Uint8Array ? [chunk] : chunk, json);
}

/**
 * Drops the own appends that start at or after `keep`: a deleted stream's forks never
 * read past their fork points. Returns what the dropped chunks cost.
 */
export function dropAppendsFrom(data: StoredData, keep: number): number {
  const first = keep <= data.base ? 0 : firstEndAfter(data.ends, keep - 1) + 1;
  let freed = 0;
  for (let index = first; index < data.chunks.length; index++) {
    const chunk = data.chunks[index];
    if (chunk !== undefined) freed += chunkCost(chunk, data.json);
  }
  if (first < data.chunks.length) {
    data.chunks.length = first;
    data.ends.length = first;
    data.tail = data.ends[first - 1] ?? data.base;
  }
  return freed;
}

function messageAt(chunk: Chunk, index: number): Uint8Array | undefined {
  if (chunk instanceof Uint8Array) return chunk;
  if (!isPacked(chunk)) return chunk[index];
  const end = chunk.ends[index];
  if (end === undefined) return undefined;
  return chunk.data.subarray(index === 0 ? 0 : (chunk.ends[index - 1] ?? 0), end);
}

export function collectBatch(
  data: StoredData,
  position: number,
  maxMessages: number,
  maxBytes: number,
  streamClosed: boolean,
  offsets: OffsetMemo,
): ReadBatch {
  const messages: StoredMessage[] = [];
  // A stream's own data (every stream but a fork read before its fork point) is read
  // without building anything else: this is the live reader's per-token path.
  const next =
    data.parent === undefined || position >= data.base
      ? collectOwn(data, position, data.tail, messages, 0, maxMessages, maxBytes, offsets)
      : collectShared(data, position, messages, maxMessages, maxBytes, offsets);
  const upToDate = next === data.tail;
  return {
    messages,
    nextOffset: offsets.format(next),
    upToDate,
    closed: streamClosed && upToDate,
  };
}

/**
 * Reads a fork from before its fork point: from the stream up the chain whose own data
 * holds the position, then down the chain, each stream up to where the next one's view
 * of it ends. Returns the position after the last message taken.
 */
function collectShared(
  data: StoredData,
  position: number,
  messages: StoredMessage[],
  maxMessages: number,
  maxBytes: number,
  offsets: OffsetMemo,
): number {
  const chain: StoredData[] = [];
  const ends: number[] = [];
  let current = data;
  let end = data.tail;
  for (;;) {
    chain.push(current);
    ends.push(end);
    if (current.parent === undefined || position >= current.base) break;
    end = Math.min(end, current.base);
    current = current.parent;
  }
  let next = position;
  let bytes = 0;
  for (let level = chain.length - 1; level >= 0; level--) {
    const stream = chain[level];
    const to = ends[level] ?? 0;
    if (stream === undefined) break;
    const taken = messages.length;
    next = collectOwn(stream, next, to, messages, bytes, maxMessages, maxBytes, offsets);
    for (let index = taken; index < messages.length; index++) {
      bytes += messages[index]?.data.byteLength ?? 0;
    }
    // Stopped by the batch bounds: the reader loops for the rest.
    if (next < to) break;
  }
  return next;
}

/**
 * Takes messages from the stream's own chunks, from `position` up to `to`, within the
 * read's bounds (`bytes` already taken). Returns the position after the last one taken.
 */
function collectOwn(
  data: StoredData,
  position: number,
  to: number,
  messages: StoredMessage[],
  bytes: number,
  maxMessages: number,
  maxBytes: number,
  offsets: OffsetMemo,
): number {
  if (position >= to) return position;
  const { chunks, ends } = data;
  let next = position;
  let taken = bytes;
  let index = chunkIndexAt(data, position);
  if (data.json) {
    for (; index < chunks.length && next < to; index++) {
      const chunk = chunks[index];
      if (chunk === undefined) break;
      const start = ends[index - 1] ?? data.base;
      const end = Math.min(ends[index] ?? 0, to);
      while (next < end) {
        if (messages.length >= maxMessages) return next;
        const message = messageAt(chunk, next - start);
        if (message === undefined) return next;
        if (messages.length > 0 && taken + message.byteLength > maxBytes) return next;
        taken += message.byteLength;
        next += 1;
        messages.push({ offset: offsets.format(next), data: message });
      }
    }
    return next;
  }
  while (index < chunks.length && next < to && messages.length < maxMessages && taken < maxBytes) {
    const chunk = chunks[index];
    if (!(chunk instanceof Uint8Array)) break;
    const chunkEnd = ends[index] ?? 0;
    const from = next - (ends[index - 1] ?? data.base);
    const take = Math.min(Math.min(chunkEnd, to) - next, maxBytes - taken);
    const view =
      from === 0 && take === chunk.byteLength ? chunk : chunk.subarray(from, from + take);
    next += take;
    taken += take;
    messages.push({ offset: offsets.format(next), data: view });
    if (next === chunkEnd) index += 1;
  }
  return next;
}
