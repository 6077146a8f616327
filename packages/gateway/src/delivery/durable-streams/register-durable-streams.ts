/**
 * Mounts the Durable Streams protocol at `/v1/stream/*` as an encapsulated Fastify
 * plugin. Inside it every body is taken as raw bytes whatever its content type (the
 * protocol stores arbitrary types), without touching the parsers of the rest of the app.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StreamStore } from '../../store/stream-store.ts';
import { DEFAULT_READER_LIMITS, type ReaderLimits } from '../reader-connection.ts';
import type {
  DurableStreamsContext,
  LiveReaderPolicy,
  StreamWritePolicy,
} from './durable-streams-context.ts';
import { sendError, sendKnownError } from './durable-streams-errors.ts';
import { headStream, readStream } from './read-routes.ts';
import { BASE_HEADERS, PREFLIGHT_HEADERS } from './response-headers.ts';
import { STREAM_URL_PREFIX } from './stream-path.ts';
import { appendToStream, createStream, deleteStream } from './write-routes.ts';

export interface DurableStreamsOptions {
  store: StreamStore;
  /** How long a long-poll read waits for data before answering 204. */
  longPollTimeoutMs?: number;
  /** Writes to these store paths, and forks of them, are refused with 403 (e.g. generation logs). */
  isReadOnly?: (streamPath: string) => boolean;
  /**
   * Lifetimes, messages per JSON append and the caller's budget; built-in defaults
   * (`DEFAULT_WRITE_POLICY`: 7 and 30 days, 100,000 messages, no budget) when absent.
   */
  writePolicy?: StreamWritePolicy;
  /** Maps client paths to store paths per caller; throws `StreamNotFoundError` to hide one. */
  resolvePath?: (request: FastifyRequest, streamPath: string) => string;
  /** Runs before every stream route (scopes); may answer the request itself. */
  authorize?: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /** Largest accepted request body; the app's limit when absent. */
  bodyLimit?: number;
  /** Interval of SSE comment heartbeats; 0 disables them. */
  heartbeatMs?: number;
  /** SSE connections end after this long so clients reconnect (CDN collapsing). */
  sseLifetimeMs?: number;
  /** Upper bound on messages in one read response or SSE event; the store's when absent. */
  maxMessagesPerRead?: number;
  /**
   * The reader policy of live reads (SSE, long-poll) of a store path: admission and
   * audit for generation logs. None by default.
   */
  readerPolicy?: LiveReaderPolicy;
  /** The slow-reader cut and buffer cap of every live read. */
  readerLimits?: ReaderLimits;
}

export const DEFAULT_WRITE_POLICY: Readonly<StreamWritePolicy> = Object.freeze({
  defaultTtlSeconds: 7 * 86_400,
  maxTtlSeconds: 30 * 86_400,
  maxMessagesPerAppend: 100_000,
  budgetOf: () => undefined,
});

const DEFAULT_LONG_POLL_TIMEOUT_MS = 20_000;
const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_SSE_LIFETIME_MS = 60_000;

type StreamRequest = FastifyRequest<{ Params: { '*': string } }>;

export async function registerDurableStreams(
  app: FastifyInstance,
  options: DurableStreamsOptions,
): Promise<void> {
  await app.register(async (scope) => durableStreamsPlugin(scope, options));
}

async function durableStreamsPlugin(
  scope: FastifyInstance,
  options: DurableStreamsOptions,
): Promise<void> {
  const shutdown = new AbortController();
  const context: DurableStreamsContext = {
    store: options.store,
    longPollTimeoutMs: options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS,
    sseLifetimeMs: options.sseLifetimeMs ?? DEFAULT_SSE_LIFETIME_MS,
    readBounds:
      options.maxMessagesPerRead === undefined ? {} : { maxMessages: options.maxMessagesPerRead },
    isReadOnly: options.isReadOnly ?? (() => false),
    resolvePath: options.resolvePath ?? ((_request, path) => path),
    writePolicy: options.writePolicy ?? DEFAULT_WRITE_POLICY,
    readerPolicy: options.readerPolicy ?? (async () => undefined),
    readerLimits: options.readerLimits ?? DEFAULT_READER_LIMITS,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    shutdown: shutdown.signal,
  };

  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    '*',
    {
      parseAs: 'buffer',
      ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }),
    },
    (_request, body, done) => done(null, body),
  );
  scope.addHook('onRequest', async (request, reply) => {
    reply.headers(BASE_HEADERS);
    // Preflights carry no credentials; they are answered below without a scope check.
    if (options.authorize && request.method !== 'OPTIONS') return options.authorize(request, reply);
    return undefined;
  });
  // Live reads hold their sockets open; end them before the server waits for sockets.
  scope.addHook('preClose', async () => {
    shutdown.abort();
  });
  // The protocol's errors are answered here; anything else (the embedding app's own, such
  // as a reader refused by a connection limit, or a real fault) goes on to the app's error
  // handler, which knows its errors and logs the faults.
  scope.setErrorHandler((error: FastifyError, _request, reply) => {
    if (sendKnownError(reply, error)) return reply;
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'SLUICE_ERR_BODY_TOO_LARGE');
    }
    throw error;
  });

  const url = `${STREAM_URL_PREFIX}*`;
  const handlers = {
    GET: readStream,
    HEAD: headStream,
    PUT: createStream,
    POST: appendToStream,
    DELETE: deleteStream,
  } as const;
  for (const [method, handler] of Object.entries(handlers)) {
    scope.route({
      method,
      url,
      exposeHeadRoute: false,
      handler: (request: StreamRequest, reply: FastifyReply) => handler(context, request, reply),
    });
  }
  scope.options(url, async (_request, reply) => reply.headers(PREFLIGHT_HEADERS).code(204).send());
}
