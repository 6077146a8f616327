import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { registerRequestTracing } from './request-tracing.ts';
import { createTracing } from './tracing.ts';

const INCOMING = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

async function appWith(enabled: boolean) {
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing({ enabled }, { exporter });
  const app = Fastify();
  const requestSpanOf = registerRequestTracing(app, tracing);
  const forwarded: Array<Readonly<Record<string, string>>> = [];
  app.post('/v1/generations/:id/cancel', async (request) => {
    const provider = tracing.startProviderSpan(requestSpanOf(request), {
      provider: 'simulator',
      requestModel: 'simulator',
    });
    forwarded.push(provider.upstreamHeaders);
    provider.end({ finishReason: 'stop' });
    return { ok: true };
  });
  return { app, exporter, tracing, forwarded };
}

describe('registerRequestTracing', () => {
  test('one span per request, named by the route template, parent of the provider span', async () => {
    const { app, exporter, tracing, forwarded } = await appWith(true);
    await app.inject({
      method: 'POST',
      url: '/v1/generations/gen_secretish/cancel',
      headers: { traceparent: INCOMING },
    });
    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === 'POST /v1/generations/:id/cancel');
    const provider = spans.find((span) => span.name === 'chat simulator');
    expect(request?.attributes['http.response.status_code']).toBe(200);
    expect(provider?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(forwarded[0]?.traceparent).toContain(provider?.spanContext().spanId);
    expect(JSON.stringify(spans.map((span) => span.name))).not.toContain('gen_secretish');
    await app.close();
    await tracing.shutdown();
  });

  test('while tracing is off the client traceparent still reaches the upstream', async () => {
    const { app, exporter, forwarded } = await appWith(false);
    await app.inject({
      method: 'POST',
      url: '/v1/generations/gen_1/cancel',
      headers: { traceparent: INCOMING },
    });
    expect(forwarded).toEqual([{ traceparent: INCOMING }]);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await app.close();
  });
});
