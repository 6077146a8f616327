import Fastify from 'fastify';
import { afterEach, describe, expect, test } from 'vitest';
import { GatewayMetrics } from '../../observability/gateway-metrics.ts';
import { GenerationStats, type StatsSnapshot } from '../../observability/generation-stats.ts';
import { registerObservabilityRoutes } from './observability-routes.ts';

let metrics: GatewayMetrics | undefined;
afterEach(() => metrics?.close());

async function appWithOneGeneration() {
  metrics = new GatewayMetrics();
  const stats = new GenerationStats();
  const app = Fastify();
  await app.register(async (scope) =>
    registerObservabilityRoutes(scope, { metrics: metrics as GatewayMetrics, stats }),
  );
  const summary = {
    id: 'gen_0123456789abcdef0123456789abcdef',
    model: 'simulator',
    provider: 'simulator',
    status: 'finished' as const,
    finishReason: 'stop' as const,
    usage: { inputTokens: 3, outputTokens: 5 },
    timeToFirstTokenMs: 12,
    durationMs: 52,
    upstream: { timeToFirstTokenMs: 11, durationMs: 51 },
  };
  for (const sink of [metrics, stats]) {
    sink.generationStarted({ model: 'simulator', provider: 'simulator' });
    sink.generationEnded(summary);
  }
  return app;
}

describe('observability routes', () => {
  test('GET /metrics serves the Prometheus text format', async () => {
    const app = await appWithOneGeneration();
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE gen_ai_server_time_to_first_token_seconds histogram');
    expect(response.body).toContain('sluice_generations_ended_total{');
    expect(response.body).toContain('process_cpu_seconds_total');
    expect(response.body).not.toContain('gen_0123456789abcdef0123456789abcdef');
    await app.close();
  });

  test('GET /v1/stats returns the recent summary as JSON', async () => {
    const app = await appWithOneGeneration();
    const response = await app.inject({ method: 'GET', url: '/v1/stats' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = response.json() as StatsSnapshot;
    expect(body.timeToFirstTokenMs).toMatchObject({ count: 1, p50: 12, p99: 12 });
    expect(body.upstreamTimeToFirstTokenMs.p50).toBe(11);
    expect(body.tokensPerSecond.p50).toBeCloseTo(100);
    expect(body.active).toEqual({ generations: 0, readers: 0 });
    expect(body.outcomes.finished).toBe(1);
    expect(body.totals.started).toBe(1);
    await app.close();
  });
});
