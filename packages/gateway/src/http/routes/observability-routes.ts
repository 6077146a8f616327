/**
 * `GET /metrics` (Prometheus text exposition) and `GET /v1/stats` (a JSON summary of
 * recent time to first token, tokens per second, active streams and outcomes, for
 * dashboards and the web UI).
 *
 * Both describe every tenant's traffic, so neither is open to any key: `/metrics` needs
 * the `metrics` (or `admin`) scope unless the operator made it public, and `/v1/stats`
 * shows an admin key everything and any other key its own tenant only.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../observability/gateway-metrics.ts';
import type { GenerationStats } from '../../observability/generation-stats.ts';
import { callerOf } from '../auth/caller.ts';
import { requireScope } from '../auth/require-scope.ts';

export interface ObservabilityRouteOptions {
  metrics: GatewayMetrics;
  stats: GenerationStats;
  /**
   * `/metrics` needs no key (`observability.metrics.public`); it must then also be listed
   * among the authenticator's public routes.
   */
  publicMetrics?: boolean;
}

export async function registerObservabilityRoutes(
  app: FastifyInstance,
  options: ObservabilityRouteOptions,
): Promise<void> {
  const { metrics, stats } = options;
  const metricsRoute = options.publicMetrics ? {} : { onRequest: requireScope('metrics', 'admin') };
  app.get('/metrics', metricsRoute, async (_request, reply) => {
    const body = await metrics.render();
    return reply.header('content-type', metrics.contentType).send(body);
  });
  app.get('/v1/stats', async (request, reply) => {
    const caller = callerOf(request);
    const snapshot = caller.scopes.includes('admin')
      ? stats.snapshot()
      : stats.snapshot(caller.tenant);
    return reply.header('cache-control', 'no-store').send(snapshot);
  });
}
