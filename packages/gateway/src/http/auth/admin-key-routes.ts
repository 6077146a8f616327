/**
 * The admin API for API keys: create (the key is in that answer and nowhere else), list
 * (never a secret or hash) and revoke. Every route needs the `admin` scope, which is
 * gateway-wide: an admin key manages the keys of every tenant, as the CLI does.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ApiKeyInputError, ApiKeyNotFoundError } from '../../control/tenants/api-key-errors.ts';
import { MAX_KEY_NAME_LENGTH, TENANT_PATTERN } from '../../control/tenants/api-key-input.ts';
import {
  API_KEY_SCOPES,
  type ApiKeyRecord,
  type ApiKeyStore,
} from '../../control/tenants/api-key-store.ts';
import { HttpError } from '../http-error.ts';
import { parseBody } from '../request-schemas.ts';
import { requireScope } from './require-scope.ts';

const tenantSchema = z.string().regex(TENANT_PATTERN, 'must be a tenant id');

const createKeySchema = z
  .object({
    tenant: tenantSchema,
    name: z.string().min(1).max(MAX_KEY_NAME_LENGTH),
    scopes: z
      .array(z.enum(API_KEY_SCOPES))
      .min(1)
      .max(API_KEY_SCOPES.length * 4),
  })
  .strict();

const listQuerySchema = z.object({ tenant: tenantSchema.optional() }).strict();

/** Store refusals as catalogue errors; anything else is left to the error handler. */
function storeError(error: unknown): unknown {
  if (ApiKeyNotFoundError.isInstance(error)) return new HttpError('SLUICE_ERR_API_KEY_NOT_FOUND');
  if (ApiKeyInputError.isInstance(error)) {
    return new HttpError('SLUICE_ERR_INVALID_REQUEST', error.message);
  }
  return error;
}

export interface AdminKeyRoutesOptions {
  keys: ApiKeyStore;
  /** Told of every key created or revoked (the audit log). */
  onKeyChange?: (
    change:
      | { type: 'api-key-created'; actor: string; record: ApiKeyRecord }
      | { type: 'api-key-revoked'; actor: string; record: ApiKeyRecord },
  ) => void;
}

export async function registerAdminKeyRoutes(
  app: FastifyInstance,
  options: AdminKeyRoutesOptions,
): Promise<void> {
  const { keys, onKeyChange } = options;
  const actorOf = (request: FastifyRequest) => `key:${request.caller?.keyId ?? 'unknown'}`;
  const onRequest = requireScope('admin');

  app.post('/v1/admin/keys', { onRequest }, async (request, reply) => {
    const input = parseBody(createKeySchema, request.body);
    const created = await keys.create(input).catch((error: unknown) => {
      throw storeError(error);
    });
    onKeyChange?.({ type: 'api-key-created', actor: actorOf(request), record: created });
    // The only copy of the secret: keep it out of every cache on the way.
    return reply.code(201).header('cache-control', 'no-store').send(created);
  });

  app.get('/v1/admin/keys', { onRequest }, async (request) => {
    const query = parseBody(listQuerySchema, request.query);
    return { keys: await keys.list(query.tenant) };
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/keys/:id', { onRequest }, async (request) => {
    const revoked = await keys.revoke(request.params.id).catch((error: unknown) => {
      throw storeError(error);
    });
    onKeyChange?.({ type: 'api-key-revoked', actor: actorOf(request), record: revoked });
    return revoked;
  });
}
