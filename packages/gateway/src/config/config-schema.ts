/**
 * The configuration schema. Everything has a default, so an empty config serves the
 * built-in simulator on 127.0.0.1:7700 with in-memory streams.
 */
import { z } from 'zod';
import { idleTimeoutProblems, idleTimeoutsSchema } from '../control/limits/connection-limits.ts';
import { quotaPolicySchema } from '../control/quotas/quota-policy.ts';
import { observabilityConfigSchema } from '../observability/observability-config.ts';

export const DELIVERY_MODES = ['stream', 'final', 'auto'] as const;
const deliveryModeSchema = z.enum(DELIVERY_MODES);
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

export const PROVIDER_NAMES = ['simulator', 'openai-compatible', 'anthropic'] as const;

/** The simulator's `maxTokens` cap unless its entry sets another. */
export const SIMULATOR_MAX_TOKENS = 4_096;

const modelEntrySchema = z
  .object({
    name: z.string().min(1),
    provider: z.enum(PROVIDER_NAMES),
    /**
     * False removes the model from the deployment (requests naming it are 404). The
     * built-in simulator defaults to off when `auth.mode` is `keys`.
     */
    enabled: z.boolean().optional(),
    /**
     * Most output tokens one request may ask for (`maxTokens`); a request above it is a 400
     * naming the cap. The simulator's default: 4,096.
     */
    maxTokens: z.number().int().positive().optional(),
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    apiKeyEnv: z.string().min(1).optional(),
    upstreamModel: z.string().min(1).optional(),
    /** Models tried in order when this one fails (before the first token, or mid-stream). */
    fallbacks: z.array(z.string().min(1)).max(10).optional(),
    retry: z
      .object({
        /** Attempts before moving on, the first included; 1 disables retries. */
        attempts: z.number().int().min(1).max(10).optional(),
        baseDelayMs: z.number().int().min(0).optional(),
        maxDelayMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    timeouts: z
      .object({
        connectMs: z.number().int().positive().optional(),
        firstTokenMs: z.number().int().positive().optional(),
        tokenGapMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    circuitBreaker: z
      .object({
        failureThreshold: z.number().int().min(1).optional(),
        coolDownMs: z.number().int().positive().optional(),
        halfOpenProbes: z.number().int().min(1).optional(),
      })
      .strict()
      .optional(),
    /** How a fallback continues a half-finished answer. */
    continuation: z.enum(['assistant-prefix', 'none']).optional(),
  })
  .strict()
  .refine((entry) => !(entry.apiKey && entry.apiKeyEnv), {
    message: 'set apiKey or apiKeyEnv, not both',
  })
  .refine((entry) => entry.provider === 'simulator' || entry.baseUrl !== undefined, {
    message: 'baseUrl is required for this provider',
    path: ['baseUrl'],
  });

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65_535).default(7700),
    /** Directory of the SQLite governance database; `:memory:` keeps it in memory. */
    dataDir: z.string().min(1).default('./data'),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    limits: z
      .object({
        /** Largest accepted request body, in bytes. */
        bodyBytes: z
          .number()
          .int()
          .positive()
          .default(1024 * 1024),
        /**
         * How long the rest of a refused body (413) is read and discarded before the
         * connection closes, so the client reads the answer instead of a reset; 0 closes at once.
         */
        bodyDrainMs: z.number().int().min(0).default(5_000),
        /** Most chat messages in one request. */
        messages: z.number().int().positive().default(1_000),
        /** Quotas per tenant, per API key and per client address (see docs/limits.md). */
        ...quotaPolicySchema.shape,
        idleTimeouts: idleTimeoutsSchema.prefault({}),
      })
      .strict()
      .prefault({}),
    streams: z
      .object({
        /** How long a Durable Streams long-poll read waits for data. */
        longPollTimeoutMs: z.number().int().positive().default(20_000),
        /** SSE comment heartbeat, keeping proxies from closing idle streams. */
        heartbeatIntervalMs: z.number().int().positive().default(15_000),
        /** How long a generation's stream log is kept after it is created. */
        generationTtlSeconds: z.number().int().positive().default(86_400),
        /**
         * Bytes a reader's connection may hold unsent. A reader past it is cut; it resumes
         * from its last event id, so nothing is lost and the producer never waits for it.
         */
        maxBufferedBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        /** A reader whose socket takes nothing for this long is cut (it may resume). */
        stalledReaderTimeoutMs: z.number().int().positive().default(30_000),
        /**
         * How long an SSE response waits for the first token before it commits `200` (an
         * upstream failing sooner is still a JSON 502/504); after that, heartbeats.
         */
        commitWindowMs: z.number().int().min(0).default(2_000),
        /**
         * A generation no reader has been attached to for this long is cancelled (reason
         * `abandoned`); 0 never abandons.
         */
        abandonAfterMs: z.number().int().min(0).default(300_000),
        /**
         * Memory that finished generations (records and logs) may hold together; past it the
         * oldest finished are removed before their TTL. Estimated as twice the log's bytes
         * (the log and the answer in the record) plus 2 KiB each.
         */
        retainedGenerationsBytes: z
          .number()
          .int()
          .min(0)
          .default(256 * 1024 * 1024),
        /**
         * Durable Streams created with neither `Stream-TTL` nor `Stream-Expires-At` get this
         * (sliding) TTL; a fork without one inherits its source's.
         */
        defaultTtlSeconds: z
          .number()
          .int()
          .positive()
          .default(7 * 86_400),
        /**
         * The longest `Stream-TTL`, and furthest `Stream-Expires-At` from now, a Durable
         * Streams create may ask for (longer is a 400); `generationTtlSeconds` and
         * `defaultTtlSeconds` must not exceed it.
         */
        maxTtlSeconds: z
          .number()
          .int()
          .positive()
          .default(30 * 86_400),
        /** Most messages one Durable Streams JSON append may carry (more is a 413). */
        maxMessagesPerAppend: z.number().int().positive().default(100_000),
        /** Durable Streams one tenant may hold (more is a 429 until some go). */
        maxStreamsPerTenant: z.number().int().positive().default(10_000),
        /**
         * Bytes one tenant's Durable Streams may store (payload plus bookkeeping, see
         * docs/durable-streams.md); data past it is a 413.
         */
        maxBytesPerTenant: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 * 1024),
        /**
         * `GET /v1/ws` (docs/websocket.md): the largest client frame (larger closes 1009),
         * subscriptions per connection, client frames per second (a burst of twice that;
         * more closes 1008) and how long a connection may wait for its `auth` frame.
         */
        websocket: z
          .object({
            maxPayloadBytes: z
              .number()
              .int()
              .min(1024)
              .default(1024 * 1024),
            maxSubscriptions: z.number().int().positive().default(64),
            framesPerSecond: z.number().int().positive().default(100),
            authTimeoutMs: z.number().int().positive().default(5_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Where stream logs live: `memory` (one process) or `redis` (Redis Streams, shared by
     * every gateway node; see docs/durable-streams.md, "Redis store").
     */
    store: z
      .object({
        kind: z.enum(['memory', 'redis']).default('memory'),
        /** `redis://[user:password@]host:port[/db]`; never logged with its password. */
        url: z.string().min(1).optional(),
        /** Or the name of the environment variable holding the URL. */
        urlEnv: z.string().min(1).optional(),
        /** Prefix of every key and channel, so deployments can share one Redis. */
        keyPrefix: z.string().min(1).default('sluice:'),
        /** How long startup waits for Redis before failing. */
        connectTimeoutMs: z.number().int().positive().default(5_000),
      })
      .strict()
      .refine((store) => !(store.url && store.urlEnv), { message: 'set url or urlEnv, not both' })
      .refine((store) => store.kind !== 'redis' || store.url || store.urlEnv, {
        message: 'a redis store needs url or urlEnv',
        path: ['url'],
      })
      .prefault({}),
    /**
     * Several gateway nodes on one Redis store (ignored with the memory store): every
     * producer holds a lease, and a node takes over the generations of a node that died.
     */
    cluster: z
      .object({
        /** This node's name in leases and audit records. Default: host name, pid and a random tag. */
        nodeId: z.string().min(1).max(200).optional(),
        /** A producer whose node stopped renewing its lease for this long is taken over. */
        leaseTimeoutMs: z.number().int().min(500).max(600_000).default(5_000),
        /**
         * What the node taking a lost producer over does: end the answer `interrupted`
         * with the text delivered so far, or `continue` it (the request is kept in Redis
         * for that) after a `response-seam` event.
         */
        onProducerLost: z.enum(['interrupt', 'continue']).default('interrupt'),
      })
      .strict()
      .prefault({}),
    governance: z
      .object({
        /**
         * Where the audit log, policies, review queue and API keys live: `sqlite` (the
         * embedded default, `dataDir/sluice.db`) or `postgres` (shared by every node).
         */
        kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
        /** PostgreSQL URL; prefer `urlEnv`, so the password stays out of the file. */
        url: z.string().min(1).optional(),
        /** Environment variable holding the PostgreSQL URL when `url` is not set. */
        urlEnv: z.string().min(1).default('SLUICE_POSTGRES_URL'),
        /** PostgreSQL schema to use instead of `public` (created if missing). */
        schema: z.string().min(1).optional(),
        /**
         * Environment variable holding the HMAC key for `hash` redaction. Without it a
         * random key is made at start, so hashes are stable only within one process.
         */
        redactionHashKeyEnv: z.string().min(1).default('SLUICE_REDACTION_KEY'),
        retention: z
          .object({
            /** Audit payloads older than this are purged; the hash chain is kept. */
            auditPayloadDays: z.number().positive().optional(),
          })
          .strict()
          .prefault({}),
        audit: z
          .object({
            /**
             * Reader records (`reader-session`) one API key may cause per minute, also
             * the burst; past it, the key's reads of a generation are folded into one
             * record a minute. Keys and checkpoints are set by environment (docs/governance.md).
             */
            readerRecordsPerKeyPerMinute: z.number().int().positive().default(60),
          })
          .strict()
          .prefault({}),
        webhooks: z
          .object({
            /**
             * Let policy webhooks reach loopback, link-local, private, CGNAT and
             * unique-local addresses. Cloud metadata endpoints stay refused.
             */
            allowPrivateNetworks: z.boolean().default(false),
          })
          .strict()
          .prefault({}),
        validation: z
          .object({
            /** Answers or tool-call arguments larger than this are not schema-checked (the check fails). */
            maxOutputBytes: z
              .number()
              .int()
              .positive()
              .default(1024 * 1024),
            /** Schema steps one finalization may take (a step: one schema object on one value). */
            maxSteps: z.number().int().positive().default(25_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        /**
         * `auto`: open (loopback only) while no API key exists, keys required once one
         * does; `keys`: always require a key; `open`: no keys, loopback only.
         */
        mode: z.enum(['auto', 'keys', 'open']).default('auto'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        /** On SIGTERM, running generations get this long to finish before they are interrupted. */
        drainTimeoutMs: z.number().int().min(0).default(30_000),
        /** Largest request header block, in bytes (larger: 431). */
        maxHeaderBytes: z
          .number()
          .int()
          .min(1024)
          .default(16 * 1024),
        /** Time allowed to receive a whole request (slow-loris protection). */
        requestTimeoutMs: z.number().int().min(0).default(60_000),
        /** Idle keep-alive connections are closed after this long. */
        keepAliveTimeoutMs: z.number().int().positive().default(72_000),
        /** Serve HTTP/2 (cleartext h2c without `tls`, h2 with it). */
        http2: z.boolean().default(false),
        tls: z
          .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
          .strict()
          .optional(),
        cors: z
          .object({
            /** Origins allowed to call the API from a browser; `*` allows any. */
            allowedOrigins: z.array(z.string().min(1)).default([]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    delivery: z
      .object({
        /** How answers are delivered when the request does not say. */
        mode: deliveryModeSchema.default('stream'),
        /** `auto`: answers complete within this window come back as one JSON body. */
        autoWindowMs: z.number().int().min(0).max(60_000).default(300),
        /** Defaults per model or route; the first matching rule wins. */
        rules: z
          .array(
            z
              .object({
                model: z.string().min(1).optional(),
                route: z.string().min(1).optional(),
                mode: deliveryModeSchema,
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .prefault({}),
    observability: observabilityConfigSchema.prefault({}),
    /**
     * Upstream models by public name. An entry `{ name: simulator, enabled: false }` (no
     * provider needed) removes the built-in simulator.
     */
    models: z.array(z.preprocess(builtInSimulatorProvider, modelEntrySchema)).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    for (const problem of idleTimeoutProblems(config.limits.idleTimeouts, config.streams)) {
      context.addIssue({ code: 'custom', path: problem.path.split('.'), message: problem.message });
    }
    // The longest stream lifetime applies to every stream, generation logs included.
    for (const key of ['generationTtlSeconds', 'defaultTtlSeconds'] as const) {
      if (config.streams[key] > config.streams.maxTtlSeconds) {
        context.addIssue({
          code: 'custom',
          path: ['streams', key],
          message: `must not exceed streams.maxTtlSeconds (${config.streams.maxTtlSeconds})`,
        });
      }
    }
  });

export type SluiceConfig = z.infer<typeof configSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;

/** An entry named `simulator` without a provider configures the built-in simulator. */
function builtInSimulatorProvider(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return entry;
  const fields = entry as Record<string, unknown>;
  if (fields.name !== 'simulator' || fields.provider !== undefined) return entry;
  return { ...fields, provider: 'simulator' };
}
