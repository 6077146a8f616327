/**
 * The audit log and data-subject controls: verify the hash chain, list records, export
 * everything about a session or an end user, and delete a session's content (its logs
 * and text go; the audit skeleton stays, with a tombstone).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GenerationView } from '../../generation/generation-view.ts';
import type { AuditRecord } from '../../governance/audit/audit-record.ts';
import { requireScope } from '../auth/require-scope.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { parseBody } from '../request-schemas.ts';
import { actorOf } from './policy-routes.ts';

const recordsQuerySchema = z
  .object({
    generationId: z.string().min(1).optional(),
    afterSequence: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

const deleteQuerySchema = z
  .object({ purgeAuditPayloads: z.enum(['true', 'false']).optional() })
  .strict();

export async function dataRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  // Governance is the operator's: every route here needs the admin scope.
  app.addHook('onRequest', requireScope('admin'));
  const { auditLog } = context.governance;

  /** The generations named by audit records whose records are still kept. */
  const generationsOf = async (records: readonly AuditRecord[]): Promise<GenerationView[]> => {
    const ids = new Set(records.flatMap((record) => record.generationId ?? []));
    const views = await Promise.all(
      [...ids].map(async (id) => {
        const generation = await context.generations.record(id);
        return generation ? context.generations.view(generation) : undefined;
      }),
    );
    return views.filter((view) => view !== undefined);
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

  app.get<{ Params: { sessionId: string } }>('/v1/sessions/:sessionId/export', async (request) => {
    const records = await auditLog.exportBy({ sessionId: request.params.sessionId });
    return {
      sessionId: request.params.sessionId,
      generations: await generationsOf(records),
      auditRecords: records,
    };
  });

  app.get<{ Params: { endUserId: string } }>('/v1/end-users/:endUserId/export', async (request) => {
    const records = await auditLog.exportBy({ endUserId: request.params.endUserId });
    return {
      endUserId: request.params.endUserId,
      generations: await generationsOf(records),
      auditRecords: records,
    };
  });

  app.delete<{ Params: { sessionId: string } }>('/v1/sessions/:sessionId', async (request) => {
    const { sessionId } = request.params;
    const query = parseBody(deleteQuerySchema, request.query);
    const records = await auditLog.exportBy({ sessionId });
    const ids = new Set(records.flatMap((record) => record.generationId ?? []));
    for (const generation of await context.generations.list({ sessionId })) ids.add(generation.id);
    const generationIds = [...ids];
    await Promise.all(generationIds.map((id) => context.generations.deleteContent(id)));
    const tombstone = await auditLog.recordTombstone({
      sessionId,
      actor: actorOf(request),
      generationIds,
      purgeAuditPayloads: query.purgeAuditPayloads === 'true',
    });
    return { sessionId, deletedGenerations: generationIds, tombstone: tombstone.id };
  });
}
