/**
 * The one relay loop from a stream log to an SSE connection, shared by every SSE
 * encoder: write what the first read returned, then follow the log until it closes or
 * the client leaves. One socket write per batch, so bursts coalesce.
 */

import type { ReadBatch, StoredMessage, StreamStore } from '../store/stream-store.ts';
import type { SseConnection } from './sse-connection.ts';

/** Encodes a batch of messages into SSE text; may return '' to write nothing. */
export type BatchEncoder = (messages: readonly StoredMessage[]) => string;

/** Messages and bytes per read: bound what one connection holds before it writes. */
export const READ_BATCH_MESSAGES = 512;
export const READ_BATCH_BYTES = 64 * 1024;

export interface StreamToSseOptions {
  store: StreamStore;
  path: string;
  /** The result of a first (non-waiting) read, done before the 200 was committed. */
  first: ReadBatch;
  connection: SseConnection;
  encode: BatchEncoder;
  /** Ends the response early, once the encoder has written its protocol's last frame. */
  isComplete?: () => boolean;
}

/** Relays until done; resolves with the offset after the last message written. */
export async function streamToSse(options: StreamToSseOptions): Promise<string> {
  const { store, path, first, connection, encode, isComplete } = options;
  let offset = first.nextOffset;
  try {
    if (first.messages.length > 0) await connection.write(encode(first.messages));
    if (first.closed || isComplete?.()) return offset;
    // followStream's loop, inlined: no async generator between the store and the socket,
    // so a token costs one fewer promise hop. One read options object serves every read.
    const signal = connection.signal;
    const read = {
      offset,
      wait: true,
      signal,
      maxMessages: READ_BATCH_MESSAGES,
      maxBytes: READ_BATCH_BYTES,
    };
    while (!signal.aborted) {
      read.offset = offset;
      const batch = await store.read(path, read);
      if (batch.messages.length > 0) {
        const text = encode(batch.messages);
        if (text.length > 0) await connection.write(text);
      }
      offset = batch.nextOffset;
      if (batch.closed || isComplete?.()) return offset;
    }
  } catch {
    // The log vanished (deleted or expired) mid-read: end the response; the client's
    // next request learns why with a proper status.
  } finally {
    connection.end();
  }
  return offset;
}
