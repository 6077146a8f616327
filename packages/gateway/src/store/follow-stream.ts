/**
 * Live tailing on top of the one `read` primitive: yields batches from an offset until
 * the stream closes, is deleted, or the signal aborts. Used by every live encoder.
 */
import type { ReadBatch, StreamStore } from './stream-store.ts';

export interface FollowOptions {
  offset: string;
  signal: AbortSignal;
  maxMessages?: number;
  maxBytes?: number;
}

export async function* followStream(
  store: StreamStore,
  path: string,
  options: FollowOptions,
): AsyncGenerator<ReadBatch> {
  let offset = options.offset;
  while (!options.signal.aborted) {
    const batch = await store.read(path, {
      offset,
      wait: true,
      signal: options.signal,
      ...(options.maxMessages === undefined ? {} : { maxMessages: options.maxMessages }),
      ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    });
    if (batch.messages.length > 0 || batch.closed) yield batch;
    if (batch.closed) return;
    offset = batch.nextOffset;
  }
}
