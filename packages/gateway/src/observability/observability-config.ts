/**
 * The `observability` section of the gateway config (proposed for `config-schema.ts`):
 * metrics on by default with no tenant label, tracing off by default. Kept here so the
 * section and the code that reads it change together.
 */
import { z } from 'zod';

export const observabilityConfigSchema = z
  .object({
    metrics: z
      .object({
        /** Serve `GET /metrics` and `GET /v1/stats`. */
        enabled: z.boolean().default(true),
        /** Add a `tenant` label to generation, token and quota metrics. */
        tenantLabel: z.boolean().default(false),
        /** Include prom-client's process and Node.js metrics. */
        processMetrics: z.boolean().default(true),
        /**
         * Serve `GET /metrics` without a key. Off by default: in keys mode a scraper needs
         * a key with the `metrics` (or `admin`) scope.
         */
        public: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    tracing: z
      .object({
        enabled: z.boolean().default(false),
        serviceName: z.string().min(1).default('sluice'),
        /** OTLP/HTTP traces endpoint; unset uses OTEL_EXPORTER_OTLP_* or the local collector. */
        otlpEndpoint: z.url().optional(),
        /** Share of new traces recorded; a sampled incoming `traceparent` is always followed. */
        sampleRatio: z.number().min(0).max(1).default(1),
      })
      .strict()
      .prefault({}),
    stats: z
      .object({
        /** Most recent generations `/v1/stats` summarises. */
        capacity: z.number().int().positive().max(100_000).default(1000),
        /** And only those that ended this recently. */
        windowSeconds: z.number().int().positive().default(300),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ObservabilityConfig = z.infer<typeof observabilityConfigSchema>;
