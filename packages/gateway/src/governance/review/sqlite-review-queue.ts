/**
 * The embedded review queue on SQLite. A decision reads the item's status, updates it
 * and appends the audit record in one `BEGIN IMMEDIATE` transaction, so two reviewers
 * (or a reviewer and the CLI) racing on one item produce one decision and one 409.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { canonicalJson } from '../audit/canonical-json.ts';
import type { SqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import { ReviewAlreadyDecidedError, ReviewItemNotFoundError } from './review-errors.ts';
import {
  DEFAULT_LIST_LIMIT,
  decodeCursor,
  encodeCursor,
  MAX_LIST_LIMIT,
  REVIEW_ITEM_COLUMNS,
  type ReviewItemRow,
  reviewItemFromRow,
} from './review-item-row.ts';
import type {
  ReviewDecisionInput,
  ReviewItem,
  ReviewItemInput,
  ReviewListOptions,
  ReviewPage,
  ReviewQueue,
} from './review-queue.ts';

export interface SqliteReviewQueueOptions {
  database: DatabaseSync;
  /** Must be on the same database: a decision and its audit record commit together. */
  auditLog: SqliteAuditLog;
  now?: () => Date;
}

export class SqliteReviewQueue implements ReviewQueue {
  readonly specificationVersion = 'v1';
  readonly #auditLog: SqliteAuditLog;
  readonly #now: () => Date;

  readonly #insert: StatementSync;
  readonly #selectById: StatementSync;
  readonly #selectByGeneration: StatementSync;
  readonly #listAll: StatementSync;
  readonly #listByStatus: StatementSync;
  readonly #decide: StatementSync;

  constructor(options: SqliteReviewQueueOptions) {
    const { database } = options;
    this.#auditLog = options.auditLog;
    this.#now = options.now ?? (() => new Date());
    this.#insert = database.prepare(
      `INSERT INTO review_items (id, generation_id, status, created_at, tenant, session_id,
         end_user_id, model, model_configuration_version, policy_version, verdict, checks,
         content_sha256, details)
       VALUES (:id, :generationId, 'pending', :createdAt, :tenant, :sessionId, :endUserId, :model,
         :modelConfigurationVersion, :policyVersion, :verdict, :checks, :contentSha256, :details)
       ON CONFLICT (generation_id) DO NOTHING`,
    );
    this.#selectById = database.prepare(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE id = ?`,
    );
    this.#selectByGeneration = database.prepare(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE generation_id = ?`,
    );
    this.#listAll = database.prepare(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items
       WHERE position > :after ORDER BY position LIMIT :limit`,
    );
    this.#listByStatus = database.prepare(
      `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items
       WHERE status = :status AND position > :after ORDER BY position LIMIT :limit`,
    );
    this.#decide = database.prepare(
      `UPDATE review_items SET status = :decision, decided_at = :decidedAt, reviewer = :reviewer,
         note = :note
       WHERE id = :id AND status = 'pending'`,
    );
  }

  async enqueue(input: ReviewItemInput): Promise<ReviewItem> {
    this.#insert.run({
      id: randomUUID(),
      generationId: input.generationId,
      createdAt: this.#now().toISOString(),
      tenant: input.tenant ?? null,
      sessionId: input.sessionId ?? null,
      endUserId: input.endUserId ?? null,
      model: input.model,
      modelConfigurationVersion: input.modelConfigurationVersion ?? null,
      policyVersion: input.policyVersion,
      verdict: input.verdict,
      checks: canonicalJson(input.checks),
      contentSha256: input.contentSha256,
      details: input.details === undefined ? null : canonicalJson(input.details),
    });
    return reviewItemFromRow(this.#selectByGeneration.get(input.generationId) as ReviewItemRow);
  }

  async list(options: ReviewListOptions = {}): Promise<ReviewPage> {
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const after = options.cursor === undefined ? 0 : decodeCursor(options.cursor);
    // One extra row tells whether another page exists without a second query.
    const parameters = { after, limit: limit + 1 };
    const rows = (
      options.status === undefined
        ? this.#listAll.all(parameters)
        : this.#listByStatus.all({ ...parameters, status: options.status })
    ) as ReviewItemRow[];
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
    const row = this.#selectById.get(id) as ReviewItemRow | undefined;
    if (row === undefined) throw new ReviewItemNotFoundError(id);
    return reviewItemFromRow(row);
  }

  async getByGeneration(generationId: string): Promise<ReviewItem | undefined> {
    const row = this.#selectByGeneration.get(generationId) as ReviewItemRow | undefined;
    return row === undefined ? undefined : reviewItemFromRow(row);
  }

  async decide(id: string, input: ReviewDecisionInput): Promise<ReviewItem> {
    if (input.decision !== 'approved' && input.decision !== 'rejected') {
      throw new TypeError(
        `A review decision is approved or rejected, not ${String(input.decision)}`,
      );
    }
    return this.#auditLog.transaction((append) => {
      const row = this.#selectById.get(id) as ReviewItemRow | undefined;
      if (row === undefined) throw new ReviewItemNotFoundError(id);
      if (row.status !== 'pending') throw new ReviewAlreadyDecidedError(reviewItemFromRow(row));
      this.#decide.run({
        id,
        decision: input.decision,
        decidedAt: this.#now().toISOString(),
        reviewer: input.reviewer,
        note: input.note,
      });
      const decided = reviewItemFromRow(this.#selectById.get(id) as ReviewItemRow);
      append({
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
}
