/**
 * Liveness (the process answers) and readiness (it accepts new work: false while
 * draining, and while a shared backend — Redis, PostgreSQL — does not answer, so load
 * balancers stop sending traffic).
 */
import type { FastifyInstance } from 'fastify';
import { checkBackends } from '../backend-checks.ts';
import type { GatewayContext } from '../gateway-context.ts';

export async function healthRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const accepting = context.isAcceptingWork();
    const backends = await checkBackends(context.backends);
    const reachable = backends.every((backend) => backend.ok);
    const ready = accepting && reachable;
    return reply.code(ready ? 200 : 503).send({
      status: !accepting ? 'draining' : reachable ? 'ready' : 'backend-unavailable',
      backends,
      activeGenerations: context.generations.runningCount,
      // An open circuit is degraded, not unready: other models and fallbacks still serve.
      upstreams: context.models.circuits(),
    });
  });
}
