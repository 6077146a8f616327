/**
 * One log line per HTTP request, written when the response is done (streaming routes
 * included: the hook also runs for hijacked replies, when the stream ends). Fastify's
 * own request logging stays off so each request is logged once, with the generation id
 * when the request started or read one.
 */
import type { FastifyInstance } from 'fastify';
import { logRequest } from './logging.ts';

const GENERATION_ID_HEADER = 'sluice-generation-id';
// Only a well-formed generation id from the path is logged: the path is client input.
const GENERATION_ID = /^gen_[0-9a-f]{32}$/;

export function registerRequestLogging(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    // Hijacked replies wrote their headers on the raw response.
    const header =
      reply.raw.getHeader(GENERATION_ID_HEADER) ?? reply.getHeader(GENERATION_ID_HEADER);
    const parameters = request.params as { id?: unknown } | undefined;
    const generationId =
      typeof header === 'string'
        ? header
        : typeof parameters?.id === 'string' && GENERATION_ID.test(parameters.id)
          ? parameters.id
          : undefined;
    logRequest(request.log, {
      requestId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      statusCode: reply.raw.statusCode,
      durationMs: reply.elapsedTime,
      generationId,
    });
  });
}
