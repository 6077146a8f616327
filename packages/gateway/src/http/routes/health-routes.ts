/**
 * Liveness (the process answers) and readiness (it accepts new work; false while
 * draining so load balancers stop sending traffic).
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../gateway-context.ts';

export async function healthRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = context.isAcceptingWork();
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'draining',
      activeGenerations: context.generations.runningCount,
      // An open circuit is degraded, not unready: other models and fallbacks still serve.
      upstreams: context.models.circuits(),
    });
  });
}
