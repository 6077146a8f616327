/**
 * The gateway's observability in one object, built once by `buildGateway`: metrics,
 * the `/v1/stats` window, tracing, and the generation log line. The generation path
 * calls the lifecycle methods here (started, ended, readers) and each fans out to
 * metrics, stats and logs, so call sites stay one line each.
 */
import { GatewayMetrics } from './gateway-metrics.ts';
import { GenerationStats } from './generation-stats.ts';
import type { GenerationSummary } from './generation-summary.ts';
import { logGenerationEnded, type RecordLogger } from './logging.ts';
import type { ObservabilityConfig } from './observability-config.ts';
import { createTracing, type GatewayTracing } from './tracing.ts';

export interface GenerationStart {
  model: string;
  provider: string;
  tenant?: string | undefined;
}

export interface ReaderInfo {
  /** `sse`, `openai`, `durable-streams`, `websocket`, `ai-sdk`. */
  protocol: string;
  /** Whose generation is read: `/v1/stats` counts readers per tenant too. */
  tenant?: string | undefined;
}

export type InternalComponent =
  | 'generation-record'
  | 'stream-log'
  | 'finalizer'
  | 'generation-eviction'
  | 'producer-lease'
  | 'producer-takeover';

const silentLogger: RecordLogger = { info() {}, warn() {}, error() {} };

export class GatewayObservability {
  readonly metrics: GatewayMetrics;
  readonly stats: GenerationStats;
  readonly tracing: GatewayTracing;
  readonly metricsEnabled: boolean;
  #logger: RecordLogger = silentLogger;

  constructor(options: {
    metrics: GatewayMetrics;
    stats: GenerationStats;
    tracing: GatewayTracing;
    metricsEnabled: boolean;
  }) {
    this.metrics = options.metrics;
    this.stats = options.stats;
    this.tracing = options.tracing;
    this.metricsEnabled = options.metricsEnabled;
  }

  /** The app's logger exists only after Fastify is built. */
  useLogger(logger: RecordLogger): void {
    this.#logger = logger;
  }

  /** The app's logger, silent until `useLogger`; read it per line, not once at start. */
  get logger(): RecordLogger {
    return this.#logger;
  }

  generationStarted(start: GenerationStart): void {
    this.metrics.generationStarted(start);
    this.stats.generationStarted(start.tenant);
  }

  /** Exactly once per generation, right after its terminal event is appended. */
  generationEnded(summary: GenerationSummary): void {
    this.metrics.generationEnded(summary);
    this.stats.generationEnded(summary);
    logGenerationEnded(this.#logger, summary);
  }

  /**
   * A part of the gateway failed where the client can no longer be told with a status
   * (record store, stream log, finalizer): logged with the error's name and code (never
   * its message, which may quote content) and counted by component.
   */
  internalFailure(component: InternalComponent, error: unknown): void {
    this.metrics.internalFailure(component);
    const name = error instanceof Error ? error.name : typeof error;
    const code = (error as { code?: unknown } | null)?.code;
    this.#logger.error(
      {
        event: 'internal-failure',
        component,
        error: name,
        ...(typeof code === 'string' ? { code } : {}),
      },
      `${component} failed`,
    );
  }

  readerAttached(reader: ReaderInfo & { resumed: boolean }): void {
    this.metrics.readerAttached(reader);
    this.stats.readerAttached(reader.tenant);
  }

  readerDetached(reader: ReaderInfo): void {
    this.metrics.readerDetached(reader);
    this.stats.readerDetached(reader.tenant);
  }

  async close(): Promise<void> {
    this.metrics.close();
    await this.tracing.shutdown();
  }
}

export async function createObservability(
  config: ObservabilityConfig,
  overrides: Parameters<typeof createTracing>[1] = {},
): Promise<GatewayObservability> {
  const { metrics, tracing, stats } = config;
  return new GatewayObservability({
    metrics: new GatewayMetrics({
      tenantLabel: metrics.tenantLabel,
      processMetrics: metrics.enabled && metrics.processMetrics,
    }),
    stats: new GenerationStats({
      capacity: stats.capacity,
      windowMs: stats.windowSeconds * 1000,
    }),
    tracing: await createTracing(tracing, overrides),
    metricsEnabled: metrics.enabled,
  });
}
