/**
 * OpenTelemetry tracing through the real gateway, with the SDK's in-memory exporter: a
 * span per request, a provider span with GenAI attributes as its child, guardrail and
 * finalization spans, and the caller's trace carried in and on to the upstream.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createObservability } from '../../packages/gateway/src/observability/observability.ts';
import { observabilityConfigSchema } from '../../packages/gateway/src/observability/observability-config.ts';
import {
  type FakeOpenAiUpstream,
  startFakeOpenAiUpstream,
} from '../helpers/fake-openai-upstream.ts';
import { type RunningGateway, startGateway } from '../helpers/gateway-server.ts';
import { readSse } from '../helpers/sse-client.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
let exporter: InMemorySpanExporter;
let upstream: FakeOpenAiUpstream;
let server: RunningGateway;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  upstream = await startFakeOpenAiUpstream({ tokens: ['Hello', ' there'] });
  const observability = await createObservability(
    observabilityConfigSchema.parse({ tracing: { enabled: true } }),
    { exporter },
  );
  server = await startGateway({
    observability,
    config: {
      models: [{ name: 'traced', provider: 'openai-compatible', baseUrl: upstream.baseUrl }],
    },
  });
});
afterAll(async () => {
  await server.close();
  await upstream.close();
});

test('request, provider, guardrail and finalization spans share the caller trace', async () => {
  const response = await fetch(`${server.baseUrl}/v1/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    },
    body: JSON.stringify({ model: 'traced', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await readSse(response);
  // Spans end as the generation finishes; wait for the request span.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (exporter.getFinishedSpans().some((span) => span.name === 'POST /v1/generations')) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const spans = exporter.getFinishedSpans();
  const request = spans.find((span) => span.name === 'POST /v1/generations');
  const provider = spans.find((span) => span.attributes['gen_ai.operation.name'] === 'chat');
  const guardrails = spans.find((span) => span.name === 'sluice.guardrails');
  const finalization = spans.find((span) => span.name === 'sluice.finalization');
  for (const span of [request, provider, guardrails, finalization]) {
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
  }
  expect(provider?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
  expect(provider?.attributes).toMatchObject({
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'traced',
    'gen_ai.usage.output_tokens': 2,
  });
  expect(provider?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  expect(finalization?.attributes['sluice.verdict']).toBe('approved');
  // The upstream request continues the trace, as a child of the provider span.
  const traceparent = String(upstream.requests.at(-1)?.headers.traceparent);
  expect(traceparent).toBe(`00-${TRACE_ID}-${provider?.spanContext().spanId}-01`);
});
