/**
 * What the Durable Streams handlers share: the store, the protocol settings, the write
 * policy (lifetimes, message cap, budgets), the reader policy of live reads and the
 * server-wide shutdown signal that ends them.
 */
import type { FastifyRequest } from 'fastify';
import type { StreamBudget, StreamInfo, StreamStore } from '../../store/stream-store.ts';
import type { ReaderAdmission } from '../frame.ts';
import type { ReaderLimits } from '../reader-connection.ts';
import type { ReadBounds } from '../relay.ts';

/** A live read: the stream, where it starts, and the client's cursor. */
export interface LiveReadTarget {
  path: string;
  info: StreamInfo;
  offset: string;
  cursor: string | undefined;
}

/** How a live read is delivered. */
export type LiveReadTransport = 'sse' | 'long-poll';

/**
 * The reader policy (admission, audit) of a live read of `storePath`; undefined for
 * streams that have none.
 */
export type LiveReaderPolicy = (
  request: FastifyRequest,
  storePath: string,
  transport: LiveReadTransport,
) => Promise<ReaderAdmission | undefined>;

/** What writes may ask for and what they count against. */
export interface StreamWritePolicy {
  /** Stream-TTL of a stream created with neither TTL nor expiry (a fork inherits its source's). */
  defaultTtlSeconds: number;
  /** The longest Stream-TTL, and furthest Stream-Expires-At from now, a create may ask for. */
  maxTtlSeconds: number;
  /** Most messages one JSON append (or create body) may carry. */
  maxMessagesPerAppend: number;
  /** The budget the caller's streams count against; undefined: they are not counted. */
  budgetOf: (request: FastifyRequest) => StreamBudget | undefined;
}

export interface DurableStreamsContext {
  store: StreamStore;
  longPollTimeoutMs: number;
  /** SSE connections are closed after this long so clients reconnect (CDN collapsing). */
  sseLifetimeMs: number;
  /**
   * Bounds of one read (one response or one SSE event pair); the store's own where not
   * set, so large appends are not split into more events than the store needs.
   */
  readBounds: ReadBounds;
  isReadOnly: (streamPath: string) => boolean;
  /**
   * Maps a client's stream path to the store path it may use (tenant namespaces), or
   * throws `StreamNotFoundError` when the caller may not see that stream.
   */
  resolvePath: (request: FastifyRequest, streamPath: string) => string;
  writePolicy: StreamWritePolicy;
  readerPolicy: LiveReaderPolicy;
  /** The slow-reader cut and buffer cap of every live read. */
  readerLimits: ReaderLimits;
  /** Interval of SSE comment heartbeats; 0 disables them. */
  heartbeatMs: number;
  shutdown: AbortSignal;
}
