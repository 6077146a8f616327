/**
 * The SQLite review queue: the shared conformance suite, and two connections racing to
 * decide the same item on one file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { SqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import { openGovernanceDatabase } from '../database/open-governance-database.ts';
import { ReviewAlreadyDecidedError } from './review-errors.ts';
import { flaggedFinal, runReviewQueueConformance } from './review-queue-conformance.ts';
import { SqliteReviewQueue } from './sqlite-review-queue.ts';

runReviewQueueConformance('sqlite in memory', () => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  const auditLog = new SqliteAuditLog(database);
  return {
    reviews: new SqliteReviewQueue({ database, auditLog }),
    auditLog,
    close: () => database.close(),
  };
});

describe('SqliteReviewQueue on a file', () => {
  test('two connections deciding one item: one decision, one conflict, one audit record', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-review-'));
    const first = openGovernanceDatabase({ dataDir });
    const second = openGovernanceDatabase({ dataDir });
    try {
      const firstAudit = new SqliteAuditLog(first);
      const firstQueue = new SqliteReviewQueue({ database: first, auditLog: firstAudit });
      const secondQueue = new SqliteReviewQueue({
        database: second,
        auditLog: new SqliteAuditLog(second),
      });
      const item = await firstQueue.enqueue(flaggedFinal('generation-1'));
      const outcomes = await Promise.allSettled([
        firstQueue.decide(item.id, { decision: 'approved', reviewer: 'rita', note: '' }),
        secondQueue.decide(item.id, { decision: 'rejected', reviewer: 'sam', note: '' }),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      expect(ReviewAlreadyDecidedError.isInstance(failure?.reason)).toBe(true);
      const records = await firstAudit.list();
      expect(records.map((record) => record.type)).toEqual(['review-decided']);
      await expect(firstAudit.verify()).resolves.toMatchObject({ ok: true, count: 1 });
    } finally {
      first.close();
      second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
