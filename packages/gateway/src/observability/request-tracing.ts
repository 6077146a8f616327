/**
 * A request span for every HTTP request while tracing is on: started when Fastify has
 * matched the route (so the span is named by the route template, never by ids), ended
 * when the response is done (streams included). Routes ask for the span with the
 * returned accessor, to parent the generation's spans. While tracing is off no hook is
 * added and the accessor returns the no-op span, which still forwards the client's
 * `traceparent` upstream.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayTracing, RequestSpan } from './tracing.ts';

export type RequestSpanOf = (request: FastifyRequest) => RequestSpan;

export function registerRequestTracing(
  app: FastifyInstance,
  tracing: GatewayTracing,
): RequestSpanOf {
  const start = (request: FastifyRequest) =>
    tracing.startRequestSpan({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      headers: request.headers,
    });
  if (!tracing.enabled) return start;
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  app.addHook('onRequest', async (request) => {
    spans.set(request, start(request));
  });
  app.addHook('onResponse', async (request, reply) => {
    spans.get(request)?.end({ statusCode: reply.raw.statusCode });
    spans.delete(request);
  });
  return (request) => spans.get(request) ?? start(request);
}
