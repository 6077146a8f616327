/**
 * Errors in one place: anything thrown in a route becomes its catalogue answer. Every
 * Sluice error (route, store, governance, quota, upstream) carries its code; Fastify's own
 * failures (body too large, unsupported media type, …) map to stable codes
 * (`framework-errors.ts`); an outage error straight from the Redis driver is a 503
 * `SLUICE_ERR_BACKEND_UNAVAILABLE`, a Redis key of a foreign type a 500
 * `SLUICE_ERR_STORE_DATA_INVALID`; anything unexpected is logged and answered 500 without
 * internals. The framework's errors from before routing (a bad URL) are answered by
 * `frameworkErrorHandler` in `early-refusal.ts`.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { QuotaExceededError } from '../control/limits/quota-exceeded-error.ts';
import { SluiceError } from '../errors/sluice-error.ts';
import { redisBackendError } from '../store/redis/redis-unavailable-error.ts';
import { frameworkErrorCode } from './framework-errors.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpError, sendError } from './http-error.ts';

/**
 * Redis refusing a command for the type of a key (a record or counter overwritten by
 * something else): that one resource's data is unreadable, a fault of the data, not of
 * the gateway.
 */
function isForeignRedisData(error: unknown): boolean {
  const { name, message } = error as { name?: unknown; message?: unknown };
  return name === 'ReplyError' && typeof message === 'string' && message.startsWith('WRONGTYPE');
}

export function registerErrorHandling(
  app: FastifyInstance,
  context?: Pick<GatewayContext, 'observability'>,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (QuotaExceededError.isInstance(error)) {
      context?.observability.metrics.quotaRejected({
        limit: error.decision.name,
        scope: error.decision.scope,
        tenant: request.caller?.tenant,
      });
    }
    // Every Sluice error carries its catalogue code: one mapping for all of them.
    if (SluiceError.isInstance(error)) return sendError(reply, error);
    // A Redis-backed part (records, quotas) that let the driver's outage error through:
    // Redis is away, a 503 to retry, never a 500.
    const backend = redisBackendError(error, 'shared state');
    if (SluiceError.isInstance(backend)) {
      request.log.warn({ err: error }, 'Redis is unavailable');
      return sendError(reply, backend);
    }
    if (isForeignRedisData(error)) {
      request.log.warn({ err: error }, 'unreadable data in Redis');
      return sendError(reply, new HttpError('SLUICE_ERR_STORE_DATA_INVALID'));
    }
    const mapped = frameworkErrorCode(error);
    if (mapped) return sendError(reply, new HttpError(mapped));
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, new HttpError('SLUICE_ERR_INTERNAL'));
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `No route for ${request.method} ${request.url.split('?')[0]}`;
    return sendError(reply, new HttpError('SLUICE_ERR_ROUTE_NOT_FOUND', message));
  });
}
