/**
 * Tracing with the OpenTelemetry SDK: its own tracer provider (never the global one, so
 * several gateways or tests in one process keep their spans apart), W3C trace-context
 * extraction from requests and injection into upstream calls, parent-based ratio
 * sampling, and OTLP/HTTP export in batches. Contexts are passed explicitly from span to
 * span instead of through a context manager, so no async hooks run on the hot path.
 */
import {
  type Context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  CHAT_OPERATION,
  ERROR_TYPE,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  genAiProviderName,
  SERVER_ADDRESS,
  SERVER_PORT,
} from './gen-ai-conventions.ts';
import type {
  GatewayTracing,
  ProviderCall,
  ProviderCallResult,
  ProviderSpan,
  RequestInfo,
  RequestSpan,
  StepAttributes,
  StepName,
  StepSpan,
  TracingOptions,
} from './tracing.ts';

const propagator = new W3CTraceContextPropagator();

class OpenTelemetryRequestSpan implements RequestSpan {
  readonly span: Span;
  readonly context: Context;
  constructor(span: Span, parent: Context) {
    this.span = span;
    this.context = trace.setSpan(parent, span);
  }
  end(result: { statusCode: number }): void {
    this.span.setAttribute('http.response.status_code', result.statusCode);
    if (result.statusCode >= 500) this.span.setStatus({ code: SpanStatusCode.ERROR });
    this.span.end();
  }
}

class OpenTelemetryProviderSpan implements ProviderSpan {
  readonly upstreamHeaders: Readonly<Record<string, string>>;
  readonly #span: Span;
  readonly #startedAt = performance.now();
  #firstChunkAt: number | undefined;

  constructor(span: Span, context: Context) {
    this.#span = span;
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpan(context, span), headers, defaultTextMapSetter);
    this.upstreamHeaders = headers;
  }

  firstChunk(): void {
    this.#firstChunkAt ??= performance.now();
  }

  end(result: ProviderCallResult): void {
    const span = this.#span;
    if (this.#firstChunkAt !== undefined) {
      span.setAttribute(
        GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
        (this.#firstChunkAt - this.#startedAt) / 1000,
      );
    }
    if (result.finishReason !== undefined) {
      span.setAttribute(GEN_AI_RESPONSE_FINISH_REASONS, [result.finishReason]);
    }
    if (result.inputTokens !== undefined) {
      span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, result.inputTokens);
    }
    if (result.outputTokens !== undefined) {
      span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, result.outputTokens);
    }
    if (result.reasoningTokens !== undefined) {
      span.setAttribute('sluice.usage.reasoning_tokens', result.reasoningTokens);
    }
    if (result.toolNames !== undefined && result.toolNames.length > 0) {
      span.setAttribute('sluice.tool_names', [...result.toolNames]);
    }
    endWithError(span, result.errorType);
  }
}

class OpenTelemetryStepSpan implements StepSpan {
  readonly #span: Span;
  constructor(span: Span) {
    this.#span = span;
  }
  end(result: { attributes?: StepAttributes; errorType?: string | undefined } = {}): void {
    if (result.attributes) this.#span.setAttributes(result.attributes);
    endWithError(this.#span, result.errorType);
  }
}

function endWithError(span: Span, errorType: string | undefined): void {
  if (errorType !== undefined) {
    span.setAttribute(ERROR_TYPE, errorType);
    // The code, not a message: messages may quote upstream text.
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  }
  span.end();
}

function parentContext(parent: RequestSpan | undefined): Context {
  return parent instanceof OpenTelemetryRequestSpan ? parent.context : ROOT_CONTEXT;
}

export class OpenTelemetryTracing implements GatewayTracing {
  readonly enabled = true;
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;

  constructor(options: TracingOptions, exporter?: SpanExporter) {
    const processor = exporter
      ? new SimpleSpanProcessor({ exporter })
      : new BatchSpanProcessor({
          exporter: new OTLPTraceExporter(
            options.otlpEndpoint === undefined ? {} : { url: options.otlpEndpoint },
          ),
        });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'sluice' }),
      sampler: new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1),
      }),
      spanProcessors: [processor],
    });
    this.#tracer = this.#provider.getTracer('sluice-gateway');
  }

  startRequestSpan(request: RequestInfo): RequestSpan {
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter);
    const span = this.#tracer.startSpan(
      `${request.method} ${request.route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': request.method, 'http.route': request.route },
      },
      parent,
    );
    return new OpenTelemetryRequestSpan(span, parent);
  }

  startProviderSpan(parent: RequestSpan | undefined, call: ProviderCall): ProviderSpan {
    const context = parentContext(parent);
    const attributes: StepAttributes = {
      [GEN_AI_OPERATION_NAME]: CHAT_OPERATION,
      [GEN_AI_PROVIDER_NAME]: genAiProviderName(call.provider),
      [GEN_AI_REQUEST_MODEL]: call.requestModel,
    };
    if (call.maxTokens !== undefined) attributes[GEN_AI_REQUEST_MAX_TOKENS] = call.maxTokens;
    if (call.temperature !== undefined) attributes[GEN_AI_REQUEST_TEMPERATURE] = call.temperature;
    if (call.serverAddress !== undefined) attributes[SERVER_ADDRESS] = call.serverAddress;
    if (call.serverPort !== undefined) attributes[SERVER_PORT] = call.serverPort;
    const span = this.#tracer.startSpan(
      `${CHAT_OPERATION} ${call.requestModel}`,
      { kind: SpanKind.CLIENT, attributes },
      context,
    );
    return new OpenTelemetryProviderSpan(span, context);
  }

  startStepSpan(
    parent: RequestSpan | undefined,
    name: StepName,
    attributes?: StepAttributes,
  ): StepSpan {
    const span = this.#tracer.startSpan(
      name,
      { kind: SpanKind.INTERNAL, ...(attributes === undefined ? {} : { attributes }) },
      parentContext(parent),
    );
    return new OpenTelemetryStepSpan(span);
  }

  async shutdown(): Promise<void> {
    await this.#provider.shutdown();
  }
}
