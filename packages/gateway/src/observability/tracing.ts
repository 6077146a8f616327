/**
 * Tracing for the gateway: a span per request, a child span per provider call with the
 * GenAI semantic-convention attributes, and spans for guardrails and finalization. Off
 * by default; then the OpenTelemetry SDK is not even loaded and every call returns a
 * shared no-op, except that an incoming W3C `traceparent` is still passed upstream
 * unchanged, so Sluice stays transparent to a trace it does not record.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

export interface TracingOptions {
  enabled: boolean;
  /** `service.name` of the spans (default `sluice`). */
  serviceName?: string | undefined;
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces` (default: the OTLP environment variables, then that URL). */
  otlpEndpoint?: string | undefined;
  /** Share of new traces recorded, 0–1 (default 1); a sampled incoming parent is always followed. */
  sampleRatio?: number | undefined;
}

/** The request side of a trace; the parent of the spans for one generation. */
export interface RequestSpan {
  end(result: { statusCode: number }): void;
}

export interface ProviderCall {
  /** The Sluice provider (`openai-compatible`, `anthropic`, `simulator`). */
  provider: string;
  /** The model name the upstream is asked for. */
  requestModel: string;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  /** The upstream host and port, when known (never with credentials). */
  serverAddress?: string | undefined;
  serverPort?: number | undefined;
}

export interface ProviderCallResult {
  finishReason?: string | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  reasoningTokens?: number | undefined;
  /** Names of the tools the model called, in call order (duplicates removed). */
  toolNames?: readonly string[] | undefined;
  /** A low-cardinality error identifier (the `SLUICE_ERR_*` code) when the call failed. */
  errorType?: string | undefined;
}

/** The upstream call; its headers carry the trace to the provider. */
export interface ProviderSpan {
  /** `traceparent` (and `tracestate`) naming this span as the upstream's parent; pass as `upstreamHeaders`. */
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  /** The first chunk arrived; only the first call counts. */
  firstChunk(): void;
  end(result: ProviderCallResult): void;
}

export type StepName = 'sluice.guardrails' | 'sluice.finalization';

export type StepAttributes = Record<string, string | number | boolean>;

/** A gateway step (guardrails over a generation, finalization). */
export interface StepSpan {
  end(result?: { attributes?: StepAttributes; errorType?: string | undefined }): void;
}

export interface RequestInfo {
  method: string;
  /** The route template (`/v1/generations`), not the URL: no ids in span names. */
  route: string;
  headers: IncomingHttpHeaders;
}

export interface GatewayTracing {
  readonly enabled: boolean;
  startRequestSpan(request: RequestInfo): RequestSpan;
  startProviderSpan(parent: RequestSpan | undefined, call: ProviderCall): ProviderSpan;
  startStepSpan(
    parent: RequestSpan | undefined,
    name: StepName,
    attributes?: StepAttributes,
  ): StepSpan;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

/**
 * Builds the tracing the options ask for; loads the SDK only when tracing is enabled.
 * `exporter` replaces OTLP (tests pass an `InMemorySpanExporter`; spans then export as
 * they end).
 */
export async function createTracing(
  options: TracingOptions,
  overrides: { exporter?: SpanExporter } = {},
): Promise<GatewayTracing> {
  if (!options.enabled) {
    const { NoopTracing } = await import('./noop-tracing.ts');
    return new NoopTracing();
  }
  const { OpenTelemetryTracing } = await import('./open-telemetry-tracing.ts');
  return new OpenTelemetryTracing(options, overrides.exporter);
}
