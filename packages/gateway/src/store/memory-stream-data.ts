/**
 * How the memory store lays out a stream's data, and the pure functions over it:
 * batching reads, finding append boundaries, and copying a prefix for a fork.
 * JSON streams keep one chunk per message (position = message index); byte streams keep
 * one chunk per append (position = byte offset). `ends` holds the position after each
 * append, which for byte streams is also the end of each chunk.
 */
import type { OffsetMemo } from './offset-memo.ts';
import type { ReadBatch, StoredMessage } from './stream-store.ts';

export interface StoredData {
  readonly json: boolean;
  chunks: Uint8Array[];
  ends: number[];
  tail: number;
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

/** End of the append that starts at (or contains) `position`; undefined at the tail. */
export function findAppendEnd(data: StoredData, position: number): number | undefined {
  return data.ends[firstEndAfter(data.ends, position)];
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
  let next = position;
  if (data.json) {
    const end = Math.min(data.tail, position + maxMessages);
    let bytes = 0;
    for (let index = position; index < end; index++) {
      const chunk = data.chunks[index];
      if (chunk === undefined) break;
      if (messages.length > 0 && bytes + chunk.byteLength > maxBytes) break;
      bytes += chunk.byteLength;
      next = index + 1;
      messages.push({ offset: offsets.format(next), data: chunk });
    }
  } else {
    let index = firstEndAfter(data.ends, position);
    let bytes = 0;
    while (index < data.chunks.length && messages.length < maxMessages && bytes < maxBytes) {
      const chunk = data.chunks[index];
      if (chunk === undefined) break;
      const chunkStart = index === 0 ? 0 : (data.ends[index - 1] ?? 0);
      const from = next - chunkStart;
      const take = Math.min(chunk.byteLength - from, maxBytes - bytes);
      const view =
        from === 0 && take === chunk.byteLength ? chunk : chunk.subarray(from, from + take);
      next += take;
      bytes += take;
      messages.push({ offset: offsets.format(next), data: view });
      if (from + take === chunk.byteLength) index += 1;
    }
  }
  const upToDate = next === data.tail;
  return {
    messages,
    nextOffset: offsets.format(next),
    upToDate,
    closed: streamClosed && upToDate,
  };
}

/**
 * The data of a fork taken at `position`: the chunks before it, shared rather than
 * copied, with an append split at the fork point kept as one shorter append.
 */
export function sliceStoredData(
  source: StoredData,
  position: number,
  json: boolean,
): { chunks: Uint8Array[]; ends: number[]; tail: number } {
  const fullAppends = firstEndAfter(source.ends, position);
  const ends = source.ends.slice(0, fullAppends);
  const lastEnd = ends[ends.length - 1] ?? 0;
  if (lastEnd < position) ends.push(position);
  if (json) return { chunks: source.chunks.slice(0, position), ends, tail: position };
  const chunks = source.chunks.slice(0, fullAppends);
  const partial = source.chunks[fullAppends];
  if (lastEnd < position && partial !== undefined) {
    chunks.push(partial.subarray(0, position - lastEnd));
  }
  return { chunks, ends, tail: position };
}
