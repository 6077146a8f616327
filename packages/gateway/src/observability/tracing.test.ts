import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, test } from 'vitest';
import { createTracing, type GatewayTracing } from './tracing.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN_ID = 'b7ad6b7169203331';
const INCOMING = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

const open: GatewayTracing[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((tracing) => tracing.shutdown()));
});

async function recording(sampleRatio = 1) {
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing({ enabled: true, sampleRatio }, { exporter });
  open.push(tracing);
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string): ReadableSpan => {
    const span = spans().find((candidate) => candidate.name === name);
    if (!span) throw new Error(`no span ${name}`);
    return span;
  };
  return { tracing, spans, named };
}

function traceparentParts(value: string | undefined) {
  const [version, traceId, spanId, flags] = (value ?? '').split('-');
  return { version, traceId, spanId, flags };
}

describe('tracing enabled', () => {
  test('a request span continues the incoming traceparent; the provider span is its child', async () => {
    const { tracing, named } = await recording();
    const request = tracing.startRequestSpan({
      method: 'POST',
      route: '/v1/generations',
      headers: { traceparent: INCOMING, authorization: 'Bearer sk-never-on-a-span' },
    });
    const provider = tracing.startProviderSpan(request, {
      provider: 'openai-compatible',
      requestModel: 'gpt-test',
      maxTokens: 64,
      temperature: 0.5,
      serverAddress: '127.0.0.1',
      serverPort: 8080,
    });
    provider.firstChunk();
    provider.firstChunk();
    provider.end({ finishReason: 'stop', inputTokens: 12, outputTokens: 34 });
    request.end({ statusCode: 201 });

    const requestSpan = named('POST /v1/generations');
    expect(requestSpan.spanContext().traceId).toBe(TRACE_ID);
    expect(requestSpan.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(requestSpan.attributes['http.response.status_code']).toBe(201);

    const providerSpan = named('chat gpt-test');
    expect(providerSpan.spanContext().traceId).toBe(TRACE_ID);
    expect(providerSpan.parentSpanContext?.spanId).toBe(requestSpan.spanContext().spanId);
    expect(providerSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-test',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 34,
      'server.address': '127.0.0.1',
      'server.port': 8080,
    });
    expect(providerSpan.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(
      0,
    );
    const everything = JSON.stringify([requestSpan.attributes, providerSpan.attributes]);
    expect(everything).not.toContain('sk-never-on-a-span');
  });

  test('the provider span names the tools called and the reasoning tokens', async () => {
    const { tracing, named } = await recording();
    const provider = tracing.startProviderSpan(undefined, {
      provider: 'anthropic',
      requestModel: 'claude-test',
    });
    provider.end({
      finishReason: 'tool-calls',
      inputTokens: 3,
      outputTokens: 9,
      reasoningTokens: 4,
      toolNames: ['get_weather', 'get_time'],
    });
    expect(named('chat claude-test').attributes).toMatchObject({
      'gen_ai.response.finish_reasons': ['tool-calls'],
      'sluice.tool_names': ['get_weather', 'get_time'],
      'sluice.usage.reasoning_tokens': 4,
    });
  });

  test('the upstream headers name the provider span as parent', async () => {
    const { tracing, named } = await recording();
    const request = tracing.startRequestSpan({
      method: 'POST',
      route: '/v1/chat/completions',
      headers: { traceparent: INCOMING, tracestate: 'vendor=opaque' },
    });
    const provider = tracing.startProviderSpan(request, {
      provider: 'anthropic',
      requestModel: 'claude-test',
    });
    const forwarded = traceparentParts(provider.upstreamHeaders.traceparent);
    provider.end({ finishReason: 'stop' });
    request.end({ statusCode: 200 });
    const providerSpan = named('chat claude-test');
    expect(forwarded).toEqual({
      version: '00',
      traceId: TRACE_ID,
      spanId: providerSpan.spanContext().spanId,
      flags: '01',
    });
    expect(provider.upstreamHeaders.tracestate).toBe('vendor=opaque');
    expect(providerSpan.attributes['gen_ai.provider.name']).toBe('anthropic');
  });

  test('without a traceparent a new trace starts; steps and failures are spans too', async () => {
    const { tracing, named, spans } = await recording();
    const request = tracing.startRequestSpan({
      method: 'POST',
      route: '/v1/generations',
      headers: {},
    });
    const guardrails = tracing.startStepSpan(request, 'sluice.guardrails');
    guardrails.end({ attributes: { 'sluice.redactions': 2 } });
    const provider = tracing.startProviderSpan(request, {
      provider: 'simulator',
      requestModel: 'simulator',
    });
    provider.end({ errorType: 'SLUICE_ERR_UPSTREAM_TIMEOUT' });
    const finalization = tracing.startStepSpan(request, 'sluice.finalization');
    finalization.end({ attributes: { 'sluice.verdict': 'approved' } });
    request.end({ statusCode: 504 });

    const requestSpan = named('POST /v1/generations');
    expect(requestSpan.parentSpanContext).toBeUndefined();
    expect(requestSpan.status.code).toBe(2);
    for (const span of spans()) {
      expect(span.spanContext().traceId).toBe(requestSpan.spanContext().traceId);
    }
    expect(named('sluice.guardrails').attributes['sluice.redactions']).toBe(2);
    expect(named('sluice.finalization').attributes['sluice.verdict']).toBe('approved');
    const failed = named('chat simulator');
    expect(failed.attributes['error.type']).toBe('SLUICE_ERR_UPSTREAM_TIMEOUT');
    expect(failed.attributes['gen_ai.provider.name']).toBe('sluice.simulator');
    expect(failed.status.code).toBe(2);
  });

  test('a ratio of 0 records no new traces but follows a sampled parent', async () => {
    const { tracing, spans } = await recording(0);
    tracing.startRequestSpan({ method: 'GET', route: '/x', headers: {} }).end({ statusCode: 200 });
    expect(spans()).toHaveLength(0);
    tracing
      .startRequestSpan({ method: 'GET', route: '/x', headers: { traceparent: INCOMING } })
      .end({ statusCode: 200 });
    expect(spans()).toHaveLength(1);
  });
});

describe('tracing disabled', () => {
  test('forwards a valid incoming traceparent unchanged and records nothing', async () => {
    const tracing = await createTracing({ enabled: false });
    expect(tracing.enabled).toBe(false);
    const request = tracing.startRequestSpan({
      method: 'POST',
      route: '/v1/generations',
      headers: { traceparent: INCOMING, tracestate: 'vendor=opaque' },
    });
    const provider = tracing.startProviderSpan(request, {
      provider: 'simulator',
      requestModel: 'simulator',
    });
    expect(provider.upstreamHeaders).toEqual({
      traceparent: INCOMING,
      tracestate: 'vendor=opaque',
    });
    provider.firstChunk();
    provider.end({});
    request.end({ statusCode: 201 });
  });

  test('forwards nothing without a valid traceparent, and shares its no-op spans', async () => {
    const tracing = await createTracing({ enabled: false });
    const headersFor = (traceparent?: string) => {
      const request = tracing.startRequestSpan({
        method: 'POST',
        route: '/v1/generations',
        headers: traceparent === undefined ? {} : { traceparent },
      });
      return tracing.startProviderSpan(request, { provider: 'simulator', requestModel: 's' })
        .upstreamHeaders;
    };
    expect(headersFor()).toEqual({});
    expect(headersFor('not-a-traceparent\r\nx-injected: 1')).toEqual({});
    expect(headersFor(`00-${'0'.repeat(32)}-${PARENT_SPAN_ID}-01`)).toEqual({});
    expect(headersFor(`ff-${TRACE_ID}-${PARENT_SPAN_ID}-01`)).toEqual({});
    const first = tracing.startRequestSpan({ method: 'GET', route: '/', headers: {} });
    const second = tracing.startRequestSpan({ method: 'GET', route: '/', headers: {} });
    expect(first).toBe(second);
  });
});
