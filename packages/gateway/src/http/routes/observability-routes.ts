/**
 * `GET /metrics` (Prometheus text exposition) and `GET /v1/stats` (a JSON summary of
 * recent time to first token, tokens per second, active streams and outcomes, for
 * dashboards and the web UI).
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../observability/gateway-metrics.ts';
import type { GenerationStats } from '../../observability/generation-stats.ts';

export interface ObservabilityRouteOptions {
  metrics: GatewayMetrics;
  stats: GenerationStats;
}

export async function registerObservabilityRoutes(
  app: FastifyInstance,
  options: ObservabilityRouteOptions,
): Promise<void> {
  const { metrics, stats } = options;
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(body);
  });
  app.get('/v1/stats', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(stats.snapshot()),
  );
}
