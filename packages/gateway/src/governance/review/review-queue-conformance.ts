/**
 * The behavioural suite every ReviewQueue must pass (SQLite now, PostgreSQL later),
 * together with the audit log its decisions go to.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { AuditLog } from '../audit/audit-log.ts';
import {
  InvalidReviewCursorError,
  ReviewAlreadyDecidedError,
  ReviewItemNotFoundError,
} from './review-errors.ts';
import type { ReviewItemInput, ReviewQueue } from './review-queue.ts';

export interface ReviewQueueHarness {
  reviews: ReviewQueue;
  auditLog: AuditLog;
  close(): Promise<void> | void;
}

export function flaggedFinal(generationId: string): ReviewItemInput {
  return {
    generationId,
    model: 'simulator',
    policyVersion: 'default@1',
    verdict: 'flagged',
    checks: [{ name: 'json-schema', passed: false, detail: 'missing field total' }],
    contentSha256: 'c'.repeat(64),
    tenant: 'acme',
    sessionId: `session-of-${generationId}`,
    endUserId: 'user-1',
  };
}

export function runReviewQueueConformance(
  name: string,
  create: () => ReviewQueueHarness | Promise<ReviewQueueHarness>,
): void {
  describe(`ReviewQueue conformance: ${name}`, () => {
    let harness: ReviewQueueHarness;
    let reviews: ReviewQueue;

    beforeEach(async () => {
      harness = await create();
      reviews = harness.reviews;
    });

    afterEach(async () => {
      await harness.close();
    });

    test('enqueue stores a pending item, once per generation', async () => {
      const item = await reviews.enqueue({
        ...flaggedFinal('generation-1'),
        modelConfigurationVersion: 'm1',
        details: { reason: 'schema' },
      });
      expect(item).toMatchObject({
        generationId: 'generation-1',
        status: 'pending',
        verdict: 'flagged',
        checks: [{ name: 'json-schema', passed: false, detail: 'missing field total' }],
        modelConfigurationVersion: 'm1',
        details: { reason: 'schema' },
      });
      expect(item.decision).toBeUndefined();
      await expect(reviews.enqueue(flaggedFinal('generation-1'))).resolves.toEqual(item);
      await expect(reviews.get(item.id)).resolves.toEqual(item);
      await expect(reviews.getByGeneration('generation-1')).resolves.toEqual(item);
      await expect(reviews.getByGeneration('generation-2')).resolves.toBeUndefined();
    });

    test('decide records the decision once and audits it', async () => {
      const item = await reviews.enqueue(flaggedFinal('generation-1'));
      const decided = await reviews.decide(item.id, {
        decision: 'approved',
        reviewer: 'rita',
        note: 'looks fine',
      });
      expect(decided).toMatchObject({
        id: item.id,
        status: 'approved',
        decision: { decision: 'approved', reviewer: 'rita', note: 'looks fine' },
      });
      await expect(reviews.get(item.id)).resolves.toEqual(decided);
      const [record] = await harness.auditLog.list();
      expect(record).toMatchObject({
        type: 'review-decided',
        actor: 'rita',
        generationId: 'generation-1',
        tenant: 'acme',
        sessionId: 'session-of-generation-1',
        endUserId: 'user-1',
        payload: { reviewItemId: item.id, decision: 'approved', note: 'looks fine' },
      });
    });

    test('deciding an unknown item is not found; a decided item is a conflict', async () => {
      await expect(
        reviews.decide('missing', { decision: 'approved', reviewer: 'rita', note: '' }),
      ).rejects.toSatisfy(ReviewItemNotFoundError.isInstance);
      await expect(reviews.get('missing')).rejects.toSatisfy(ReviewItemNotFoundError.isInstance);
      const item = await reviews.enqueue(flaggedFinal('generation-1'));
      await reviews.decide(item.id, { decision: 'rejected', reviewer: 'rita', note: 'no' });
      const conflict = reviews.decide(item.id, {
        decision: 'approved',
        reviewer: 'sam',
        note: 'yes',
      });
      await expect(conflict).rejects.toSatisfy(
        (error: unknown) =>
          ReviewAlreadyDecidedError.isInstance(error) &&
          error.item.decision?.reviewer === 'rita' &&
          error.item.status === 'rejected',
      );
      await expect(reviews.get(item.id)).resolves.toMatchObject({ status: 'rejected' });
      await expect(harness.auditLog.list()).resolves.toHaveLength(1);
    });

    test('list pages in arrival order and filters by status', async () => {
      const items = [];
      for (let index = 0; index < 5; index += 1) {
        items.push(await reviews.enqueue(flaggedFinal(`generation-${index}`)));
      }
      await reviews.decide(items[1]?.id ?? '', { decision: 'approved', reviewer: 'r', note: '' });
      await reviews.decide(items[3]?.id ?? '', { decision: 'rejected', reviewer: 'r', note: '' });

      const first = await reviews.list({ limit: 2 });
      expect(first.items.map((item) => item.generationId)).toEqual([
        'generation-0',
        'generation-1',
      ]);
      expect(first.nextCursor).toBeDefined();
      const rest = await reviews.list({
        limit: 10,
        ...(first.nextCursor ? { cursor: first.nextCursor } : {}),
      });
      expect(rest.items.map((item) => item.generationId)).toEqual([
        'generation-2',
        'generation-3',
        'generation-4',
      ]);
      expect(rest.nextCursor).toBeUndefined();

      const pending = await reviews.list({ status: 'pending' });
      expect(pending.items.map((item) => item.generationId)).toEqual([
        'generation-0',
        'generation-2',
        'generation-4',
      ]);
      const rejected = await reviews.list({ status: 'rejected' });
      expect(rejected.items.map((item) => item.generationId)).toEqual(['generation-3']);
    });

    test('a cursor the queue did not issue is rejected', async () => {
      await expect(reviews.list({ cursor: 'not-a-cursor' })).rejects.toSatisfy(
        InvalidReviewCursorError.isInstance,
      );
    });
  });
}
