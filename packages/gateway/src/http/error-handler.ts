/**
 * Errors in one place: anything thrown in a route becomes its catalogue answer. Every
 * Sluice error (route, store, governance, quota, upstream) carries its code; Fastify's own
 * failures (body too large, unsupported media type) map to stable codes; anything
 * unexpected is logged and answered 500 without internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { QuotaExceededError } from '../control/limits/quota-exceeded-error.ts';
import { SluiceError } from '../errors/sluice-error.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpError, sendError } from './http-error.ts';

const FASTIFY_CODES: Record<string, HttpError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SLUICE_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SLUICE_ERR_INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
};

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
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendError(reply, new HttpError(mapped));
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, new HttpError('SLUICE_ERR_INVALID_REQUEST'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, new HttpError('SLUICE_ERR_INTERNAL'));
  });
  app.setNotFoundHandler((request, reply) => {
    const message = `No route for ${request.method} ${request.url.split('?')[0]}`;
    return sendError(reply, new HttpError('SLUICE_ERR_ROUTE_NOT_FOUND', message));
  });
}
