/**
 * What the Durable Streams handlers share: the store, the protocol settings and the
 * server-wide shutdown signal that ends live reads.
 */
import type { FastifyRequest } from 'fastify';
import type { StreamStore } from '../../store/stream-store.ts';
import type { SseHeartbeat } from './sse-heartbeat.ts';

export interface DurableStreamsContext {
  store: StreamStore;
  longPollTimeoutMs: number;
  /** SSE connections are closed after this long so clients reconnect (CDN collapsing). */
  sseLifetimeMs: number;
  /** Upper bound on messages per read batch (one response or one SSE event pair). */
  maxMessagesPerRead: number;
  isReadOnly: (streamPath: string) => boolean;
  /**
   * Maps a client's stream path to the store path it may use (tenant namespaces), or
   * throws `StreamNotFoundError` when the caller may not see that stream.
   */
  resolvePath: (request: FastifyRequest, streamPath: string) => string;
  heartbeat: SseHeartbeat;
  shutdown: AbortSignal;
}
