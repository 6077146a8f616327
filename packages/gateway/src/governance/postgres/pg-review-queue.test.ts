/**
 * The PostgreSQL review queue: the shared conformance suite, and two nodes racing to
 * decide the same item and to enqueue the same generation.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReviewAlreadyDecidedError } from '../review/review-errors.ts';
import { flaggedFinal, runReviewQueueConformance } from '../review/review-queue-conformance.ts';
import { openPgGovernancePool } from './open-pg-governance-pool.ts';
import { PgAuditLog } from './pg-audit-log.ts';
import { PgReviewQueue } from './pg-review-queue.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function openNode(schema: string) {
  const pool = await openPgGovernancePool({ url: database.url, schema, maxConnections: 3 });
  const auditLog = await PgAuditLog.open(pool);
  return { pool, auditLog, reviews: new PgReviewQueue({ pool, auditLog }) };
}

runReviewQueueConformance('postgres', async () => {
  const { pool, auditLog, reviews } = await openNode(database.nextSchema());
  return {
    reviews,
    auditLog,
    close: async () => {
      await auditLog.flush();
      await pool.end();
    },
  };
});

describe('PgReviewQueue on several nodes', () => {
  test('two nodes deciding one item: one decision, one conflict, one audit record', async () => {
    const schema = database.nextSchema();
    const first = await openNode(schema);
    const second = await openNode(schema);
    try {
      const [item, again] = await Promise.all([
        first.reviews.enqueue(flaggedFinal('generation-1')),
        second.reviews.enqueue(flaggedFinal('generation-1')),
      ]);
      expect(again?.id).toBe(item?.id);
      const outcomes = await Promise.allSettled([
        first.reviews.decide(item.id, { decision: 'approved', reviewer: 'rita', note: '' }),
        second.reviews.decide(item.id, { decision: 'rejected', reviewer: 'sam', note: '' }),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(ReviewAlreadyDecidedError.isInstance(failure?.reason)).toBe(true);
      const records = await first.auditLog.list();
      expect(records.map((record) => record.type)).toEqual(['review-decided']);
      await expect(second.auditLog.verify()).resolves.toMatchObject({ ok: true, count: 1 });
    } finally {
      await Promise.all([first.pool.end(), second.pool.end()]);
    }
  });
});
