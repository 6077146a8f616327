/**
 * A route hook that lets a request through only when its caller holds a scope:
 * `{ onRequest: requireScope('generate') }` (or as a preHandler). As an onRequest hook it
 * refuses before the body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '../../control/tenants/api-key-store.ts';
import { sendError } from '../http-error.ts';
import { forbiddenError, unauthenticatedError } from './auth-errors.ts';

export function requireScope(
  scope: ApiKeyScope,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (request, reply) => {
    const caller = request.caller;
    // Only a route wrongly listed as public gets here without a caller: refuse, not allow.
    if (caller === undefined) return sendError(reply, unauthenticatedError());
    if (!caller.scopes.includes(scope)) return sendError(reply, forbiddenError(scope));
    return undefined;
  };
}
