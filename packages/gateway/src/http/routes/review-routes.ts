/**
 * The human review queue: flagged answers wait here; a decision is audited and, when
 * the generation's log was held open for it, appended as a `review-decision` event.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireScope } from '../auth/require-scope.ts';
import type { GatewayContext } from '../gateway-context.ts';
import { parseBody } from '../request-schemas.ts';

const listQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected']).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();

const decisionSchema = z
  .object({
    decision: z.enum(['approved', 'rejected']),
    reviewer: z.string().min(1).max(200),
    note: z.string().max(10_000).default(''),
  })
  .strict();

export async function reviewRoutes(app: FastifyInstance, context: GatewayContext): Promise<void> {
  // Governance is the operator's: every route here needs the admin scope.
  app.addHook('onRequest', requireScope('admin'));
  const { reviews } = context.governance;

  app.get('/v1/reviews', async (request) => {
    const query = parseBody(listQuerySchema, request.query);
    return reviews.list({
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
  });

  app.get<{ Params: { id: string } }>('/v1/reviews/:id', async (request) =>
    reviews.get(request.params.id),
  );

  app.post<{ Params: { id: string } }>('/v1/reviews/:id/decision', async (request) => {
    const decision = parseBody(decisionSchema, request.body);
    const item = await reviews.decide(request.params.id, decision);
    const deliveredToStream = await context.generations.applyReviewDecision(item);
    return { ...item, deliveredToStream };
  });
}
