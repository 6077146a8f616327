/**
 * Turns anything thrown in a route into a catalogue error. Fastify's own failures
 * (body too large, unsupported media type) map to stable codes; anything unexpected is
 * logged and answered 500 without internals.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { QuotaExceededError } from '../control/limits/quota-exceeded-error.ts';
import {
  PolicyNotFoundError,
  PolicyValidationError,
  PolicyVersionActiveError,
  PolicyVersionNotFoundError,
} from '../governance/policies/policy-errors.ts';
import {
  InvalidReviewCursorError,
  ReviewAlreadyDecidedError,
  ReviewItemNotFoundError,
} from '../governance/review/review-errors.ts';
import type { GatewayContext } from './gateway-context.ts';
import { HttpError, sendError } from './http-error.ts';

const FASTIFY_CODES: Record<string, HttpError['code']> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'SLUICE_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'SLUICE_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'SLUICE_ERR_INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'SLUICE_ERR_INVALID_JSON',
};

/** Governance store errors as catalogue errors; undefined for anything else. */
function governanceError(error: unknown): HttpError | undefined {
  if (PolicyValidationError.isInstance(error)) {
    const issues = error.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
    return new HttpError('SLUICE_ERR_POLICY_INVALID', issues.join('; ') || error.message);
  }
  if (PolicyNotFoundError.isInstance(error) || PolicyVersionNotFoundError.isInstance(error)) {
    return new HttpError('SLUICE_ERR_POLICY_NOT_FOUND', error.message);
  }
  if (PolicyVersionActiveError.isInstance(error)) {
    return new HttpError('SLUICE_ERR_POLICY_VERSION_ACTIVE', error.message);
  }
  if (ReviewItemNotFoundError.isInstance(error))
    return new HttpError('SLUICE_ERR_REVIEW_NOT_FOUND');
  if (ReviewAlreadyDecidedError.isInstance(error)) {
    return new HttpError('SLUICE_ERR_REVIEW_ALREADY_DECIDED');
  }
  if (InvalidReviewCursorError.isInstance(error)) return new HttpError('SLUICE_ERR_INVALID_CURSOR');
  return undefined;
}

export function registerErrorHandling(
  app: FastifyInstance,
  context?: Pick<GatewayContext, 'observability'>,
): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (HttpError.isInstance(error)) return sendError(reply, error);
    if (QuotaExceededError.isInstance(error)) {
      context?.observability.metrics.quotaRejected({
        limit: error.decision.name,
        scope: error.decision.scope,
        tenant: request.caller?.tenant,
      });
      return sendError(reply, new HttpError(error.code, error.message, error.headers));
    }
    const governance = governanceError(error);
    if (governance) return sendError(reply, governance);
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
