/**
 * The audit log and data-subject controls: verify the hash chain, list records, export
 * everything about a session or an end user, and delete a session's or an end user's
 * content (their logs and text go; the audit skeleton stays, with a tombstone; an end
 * user's clear id is erased from the audit log).
 *
 * Session and end-user ids are the tenants' own, so two tenants may use the same one:
 * export and deletion act within the caller's tenant. The admin scope is gateway-wide, so
 * an operator may act for another tenant (`?tenant=acme`) or every tenant (`?tenant=*`)
 * — only when the request says so.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TENANT_PATTERN } from '../../control/tenants/api-key-input.ts';
import type { GenerationView } from '../../generation/generation-view.ts';
import type { AuditRecord } from '../../governance/audit/audit-record.ts';
import { callerOf } from '../auth/caller.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { parseBody } from '../request-schemas.ts';
import { actorOf } from './policy-routes.ts';

const ALL_TENANTS = '*';

const recordsQuerySchema = z
  .object({
    generationId: z.string().min(1).optional(),
    afterSequence: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

const tenantField = z
  .union([z.literal(ALL_TENANTS), z.string().regex(TENANT_PATTERN, 'must be a tenant id')])
  .optional();

const exportQuerySchema = z.object({ tenant: tenantField }).strict();

const deleteQuerySchema = z
  .object({ tenant: tenantField, purgeAuditPayloads: z.enum(['true', 'false']).optional() })
  .strict();

/** The tenant a request acts in: its own unless it names another, or `*` for every one. */
function tenantScope(request: FastifyRequest, asked: string | undefined): string | undefined {
  if (asked === ALL_TENANTS) return undefined;
  return asked ?? callerOf(request).tenant;
}

export async function dataRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  // Governance is the operator's: every route here needs the admin scope.
  app.addHook('onRequest', requireScope('admin'));
  const { auditLog } = context.governance;

  /** The generations named by audit records whose records are still kept, in the tenant. */
  const generationsOf = async (
    records: readonly AuditRecord[],
    tenant: string | undefined,
  ): Promise<GenerationView[]> => {
    const ids = new Set(records.flatMap((record) => record.generationId ?? []));
    const views = await Promise.all(
      [...ids].map(async (id) => {
        const generation = await context.generations.record(id);
        if (!generation || (tenant !== undefined && generation.tenant !== tenant)) return undefined;
        return context.generations.view(generation);
      }),
    );
    return views.filter((view) => view !== undefined);
  };

  /** The subject's generations, by its audit records and by the generation records. */
  const generationIdsOf = async (
    subject: { sessionId: string } | { endUserId: string },
    tenant: string | undefined,
  ): Promise<string[]> => {
    const records = await auditLog.exportBy({
      ...subject,
      ...(tenant === undefined ? {} : { tenant }),
    });
    const ids = new Set(records.flatMap((record) => record.generationId ?? []));
    for (const generation of await context.generations.list(subject)) {
      if (tenant === undefined || generation.tenant === tenant) ids.add(generation.id);
    }
    return [...ids];
  };

  const exportSubject = async (
    request: FastifyRequest,
    subject: { sessionId: string } | { endUserId: string },
  ) => {
    const tenant = tenantScope(request, parseBody(exportQuerySchema, request.query).tenant);
    const records = await auditLog.exportBy({
      ...subject,
      ...(tenant === undefined ? {} : { tenant }),
    });
    return {
      ...subject,
      tenant: tenant ?? ALL_TENANTS,
      generations: await generationsOf(records, tenant),
      auditRecords: records,
    };
  };

  const deleteSubject = async (
    request: FastifyRequest,
    subject: { sessionId: string } | { endUserId: string },
  ) => {
    const query = parseBody(deleteQuerySchema, request.query);
    const tenant = tenantScope(request, query.tenant);
    const generationIds = await generationIdsOf(subject, tenant);
    await Promise.all(generationIds.map((id) => context.generations.deleteContent(id)));
    const tombstone = await auditLog.recordTombstone({
      ...subject,
      ...(tenant === undefined ? {} : { tenant }),
      actor: actorOf(request),
      generationIds,
      purgeAuditPayloads: query.purgeAuditPayloads === 'true',
    });
    return {
      ...subject,
      tenant: tenant ?? ALL_TENANTS,
      deletedGenerations: generationIds,
      tombstone: tombstone.id,
    };
  };

  app.get('/v1/audit/verify', async () => auditLog.verify());

  app.get('/v1/audit/records', async (request) => {
    const query = parseBody(recordsQuerySchema, request.query);
    const records = await auditLog.list({
      ...(query.generationId === undefined ? {} : { generationId: query.generationId }),
      ...(query.afterSequence === undefined ? {} : { afterSequence: query.afterSequence }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
    return { records };
  });

  app.get<{ Params: { sessionId: string } }>('/v1/sessions/:sessionId/export', async (request) =>
    exportSubject(request, { sessionId: request.params.sessionId }),
  );

  app.get<{ Params: { endUserId: string } }>('/v1/end-users/:endUserId/export', async (request) =>
    exportSubject(request, { endUserId: request.params.endUserId }),
  );

  app.delete<{ Params: { sessionId: string } }>('/v1/sessions/:sessionId', async (request) =>
    deleteSubject(request, { sessionId: request.params.sessionId }),
  );

  app.delete<{ Params: { endUserId: string } }>('/v1/end-users/:endUserId', async (request) =>
    deleteSubject(request, { endUserId: request.params.endUserId }),
  );
}
