/**
 * Versioned policies: publish (immutable versions), list, read, roll back atomically,
 * and bind a policy to a model or route. Every change is in the audit log.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OPEN_MODE_CALLER } from '../auth/caller.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { parseBody } from '../request-schemas.ts';

const rollbackSchema = z.object({ version: z.number().int().positive() }).strict();
const bindingTargetSchema = z
  .object({ model: z.string().min(1).optional(), route: z.string().min(1).optional() })
  .strict()
  .refine((target) => target.model !== undefined || target.route !== undefined, {
    message: 'name a model, a route, or both',
  });
const bindingSchema = z
  .object({
    model: z.string().min(1).optional(),
    route: z.string().min(1).optional(),
    policy: z.string().min(1),
  })
  .strict()
  .refine((target) => target.model !== undefined || target.route !== undefined, {
    message: 'name a model, a route, or both',
  });

/**
 * Who made a change, for the audit log: the API key that authenticated the request; in
 * open mode (no keys, loopback only) the `Sluice-Actor` header may name a person.
 */
export function actorOf(request: FastifyRequest): string {
  const caller = request.caller;
  if (caller && caller.keyId !== OPEN_MODE_CALLER.keyId) return `key:${caller.keyId}`;
  const actor = request.headers['sluice-actor'];
  return typeof actor === 'string' && /^[\x21-\x7e ]{1,200}$/.test(actor) ? actor : 'api';
}

function target(value: { model?: string | undefined; route?: string | undefined }) {
  return {
    ...(value.model === undefined ? {} : { model: value.model }),
    ...(value.route === undefined ? {} : { route: value.route }),
  };
}

export async function policyRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  // Governance is the operator's: every route here needs the admin scope.
  app.addHook('onRequest', requireScope('admin'));
  const { policies } = context.governance;

  app.get('/v1/policies', async () => ({
    policies: await policies.policies(),
    bindings: await policies.bindings(),
  }));

  app.get<{ Params: { name: string } }>('/v1/policies/:name', async (request) => ({
    name: request.params.name,
    versions: await policies.list(request.params.name),
  }));

  app.get<{ Params: { name: string; version: string } }>(
    '/v1/policies/:name/versions/:version',
    async (request) => policies.get(request.params.name, versionNumber(request.params.version)),
  );

  app.post<{ Params: { name: string } }>('/v1/policies/:name/versions', async (request, reply) => {
    const published = await policies.publish(request.params.name, request.body, actorOf(request));
    return reply.code(201).send(published);
  });

  app.post<{ Params: { name: string } }>('/v1/policies/:name/rollback', async (request) => {
    const { version } = parseBody(rollbackSchema, request.body);
    return policies.rollback(request.params.name, version, actorOf(request));
  });

  app.put('/v1/policy-bindings', async (request) => {
    const binding = parseBody(bindingSchema, request.body);
    return policies.bind(target(binding), binding.policy, actorOf(request));
  });

  app.delete('/v1/policy-bindings', async (request) => {
    const binding = parseBody(bindingTargetSchema, request.body);
    return { removed: await policies.unbind(target(binding), actorOf(request)) };
  });
}

/** A path segment as a version number; anything else is a version that does not exist. */
function versionNumber(segment: string): number {
  return /^[1-9]\d{0,8}$/.test(segment) ? Number(segment) : 0;
}
