/**
 * The review queue on PostgreSQL, shared by every node. A decision updates the item only
 * while it is pending and appends the audit record in one transaction through
 * `PgAuditLog.transaction`, so two reviewers racing on one item — on any nodes — produce
 * one decision, one audit record and one 409.
 *
 * Rows and cursors have the SQLite store's shape (`../review/review-item-row.ts`); the
 * arrival position is a sequence, so an item another node enqueues while a page is read
 * may take a position just before that page's end and show up only in a listing made
 * after it commits.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { canonicalJson } from '../audit/canonical-json.ts';
import { ReviewAlreadyDecidedError, ReviewItemNotFoundError } from '../review/review-errors.ts';
import {
  DEFAULT_LIST_LIMIT,
  decodeCursor,
  encodeCursor,
  MAX_LIST_LIMIT,
  REVIEW_ITEM_COLUMNS,
  type ReviewItemRow,
  reviewItemFromRow,
} from '../review/review-item-row.ts';
import type {
  ReviewDecisionInput,
  ReviewItem,
  ReviewItemInput,
  ReviewListOptions,
  ReviewPage,
  ReviewQueue,
} from '../review/review-queue.ts';
import type { PgAuditLog } from './pg-audit-log.ts';

export interface PgReviewQueueOptions {
  /** A migrated pool (`openPgGovernancePool`), the one `auditLog` writes through. */
  pool: Pool;
  /** Must be on the same database: a decision and its audit record commit together. */
  auditLog: PgAuditLog;
  now?: () => Date;
}

export class PgReviewQueue implements ReviewQueue {
  readonly specificationVersion = 'v1';
  readonly #pool: Pool;
  readonly #auditLog: PgAuditLog;
  readonly #now: () => Date;

  constructor(options: PgReviewQueueOptions) {
    this.#pool = options.pool;
    this.#auditLog = options.auditLog;
    this.#now = options.now ?? (() => new Date());
  }

  async enqueue(input: ReviewItemInput): Promise<ReviewItem> {
    const inserted = await this.#pool.query<ReviewItemRow>(
      `INSERT INTO review_items (id, generation_id, status, created_at, tenant, session_id,
         end_user_id, model, model_configuration_version, policy_version, verdict, checks,
         content_sha256, details)
       VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (generation_id) DO NOTHING
       RETURNING ${REVIEW_ITEM_COLUMNS}`,
      [
        randomUUID(),
        input.generationId,
        this.#now().toISOString(),
        input.tenant ?? null,
        input.sessionId ?? null,
        input.endUserId ?? null,
        input.model,
        input.modelConfigurationVersion ?? null,
        input.policyVersion,
        input.verdict,
        canonicalJson(input.checks),
        input.contentSha256,
        input.details === undefined ? null : canonicalJson(input.details),
      ],
    );
    const row = inserted.rows[0] ?? (await this.#selectByGeneration(input.generationId));
    if (row === undefined) {
      // ON CONFLICT waits for a concurrent insert to commit, so the first item exists.
      throw new ReviewItemNotFoundError(input.generationId);
    }
    return reviewItemFromRow(row);
  }

  async list(options: ReviewListOptions = {}): Promise<ReviewPage> {
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const after = options.cursor === undefined ? 0 : decodeCursor(options.cursor);
    // One extra row tells whether another page exists without a second query.
    const { rows } =
      options.status === undefined
        ? await this.#pool.query<ReviewItemRow>(
            `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items
             WHERE position > $1 ORDER BY position LIMIT $2`,
            [after, limit + 1],
          )
        : await this.#pool.query<ReviewItemRow>(
            `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items
             WHERE status = $3 AND position > $1 ORDER BY position LIMIT $2`,
            [after, limit + 1, options.status],
          );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(reviewItemFromRow),
      ...(rows.length > limit && last !== undefined
        ? { nextCursor: encodeCursor(last.position) }
        : {}),
    };
  }

  async get(id: string): Promise<ReviewItem> {
    const { rows } = await this.#pool.query<ReviewItemRow>(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (row === undefined) throw new ReviewItemNotFoundError(id);
    return reviewItemFromRow(row);
  }

  async getByGeneration(generationId: string): Promise<ReviewItem | undefined> {
    const row = await this.#selectByGeneration(generationId);
    return row === undefined ? undefined : reviewItemFromRow(row);
  }

  async decide(id: string, input: ReviewDecisionInput): Promise<ReviewItem> {
    if (input.decision !== 'approved' && input.decision !== 'rejected') {
      throw new TypeError(
        `A review decision is approved or rejected, not ${String(input.decision)}`,
      );
    }
    return this.#auditLog.transaction(async (client, append) => {
      const updated = await client.query<ReviewItemRow>(
        `UPDATE review_items SET status = $2, decided_at = $3, reviewer = $4, note = $5
         WHERE id = $1 AND status = 'pending'
         RETURNING ${REVIEW_ITEM_COLUMNS}`,
        [id, input.decision, this.#now().toISOString(), input.reviewer, input.note],
      );
      const row = updated.rows[0];
      if (row === undefined) {
        const existing = await client.query<ReviewItemRow>(
          `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE id = $1`,
          [id],
        );
        const current = existing.rows[0];
        if (current === undefined) throw new ReviewItemNotFoundError(id);
        throw new ReviewAlreadyDecidedError(reviewItemFromRow(current));
      }
      const decided = reviewItemFromRow(row);
      await append({
        type: 'review-decided',
        actor: input.reviewer,
        generationId: decided.generationId,
        ...(decided.tenant === undefined ? {} : { tenant: decided.tenant }),
        ...(decided.sessionId === undefined ? {} : { sessionId: decided.sessionId }),
        ...(decided.endUserId === undefined ? {} : { endUserId: decided.endUserId }),
        payload: { reviewItemId: id, decision: input.decision, note: input.note },
      });
      return decided;
    });
  }

  async #selectByGeneration(generationId: string): Promise<ReviewItemRow | undefined> {
    const { rows } = await this.#pool.query<ReviewItemRow>(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE generation_id = $1`,
      [generationId],
    );
    return rows[0];
  }
}
