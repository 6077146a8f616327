/**
 * A route hook that lets a request through only when its caller holds a scope:
 * `{ onRequest: requireScope('generate') }` (or as a preHandler). Alternatives may follow
 * (`requireScope('metrics', 'admin')`: either will do); a refusal names the first. As an
 * onRequest hook it refuses before the body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '../../control/tenants/api-key-store.ts';
import { sendError } from '../http-error.ts';
import { forbiddenError, unauthenticatedError } from './auth-errors.ts';

export function requireScope(
  scope: ApiKeyScope,
  ...alternatives: readonly ApiKeyScope[]
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const accepted = [scope, ...alternatives];
  return async (request, reply) => {
    const caller = request.caller;
    // Only a route wrongly listed as public gets here without a caller: refuse, not allow.
    if (caller === undefined) return sendError(reply, unauthenticatedError());
    if (!accepted.some((held) => caller.scopes.includes(held))) {
      return sendError(reply, forbiddenError(scope));
    }
    return undefined;
  };
}
