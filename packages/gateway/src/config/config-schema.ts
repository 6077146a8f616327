/**
 * The configuration schema. Everything has a default, so an empty config serves the
 * built-in simulator on 127.0.0.1:7700 with in-memory streams.
 */
import { z } from 'zod';

export const PROVIDER_NAMES = ['simulator', 'openai-compatible', 'anthropic'] as const;

const modelEntrySchema = z
  .object({
    name: z.string().min(1),
    provider: z.enum(PROVIDER_NAMES),
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    apiKeyEnv: z.string().min(1).optional(),
    upstreamModel: z.string().min(1).optional(),
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
        /** Most chat messages in one request. */
        messages: z.number().int().positive().default(1_000),
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
      })
      .strict()
      .prefault({}),
    governance: z
      .object({
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
      })
      .strict()
      .prefault({}),
    models: z.array(modelEntrySchema).default([]),
  })
  .strict();

export type SluiceConfig = z.infer<typeof configSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
