/**
 * The audit log contract: an append-only, hash-chained record of what Sluice did. The
 * embedded store is SQLite (`sqlite-audit-log.ts`); a PostgreSQL store will implement
 * the same interface and pass the same suite (`audit-log-conformance.ts`).
 *
 * Design notes:
 * - Appends are serialised by the store, which reads the chain head under its write lock;
 *   callers never compute sequences or hashes. Records appear in the order `append` was
 *   called within a process.
 * - Hashes are keyed with the audit key (never stored in the database), and the chain
 *   head is checkpointed outside it, so `verify` catches rewriting and truncation.
 * - Payload erasure (retention, data-subject deletion) keeps every skeleton, so the chain
 *   still verifies after it; the erasures themselves are recorded, and a payload missing
 *   without such a record fails verification.
 * - End users are in the chain as keyed pseudonyms; erasing one removes the clear id.
 */
import type {
  AuditExportSelector,
  AuditListOptions,
  AuditPurgeResult,
  AuditRecord,
  AuditRecordInput,
  AuditTombstoneInput,
  AuditVerification,
} from './audit-record.ts';

export interface AuditLog {
  readonly specificationVersion: 'v1';

  /**
   * Appends a record. Resolves once it is committed. Rejects with a `TypeError` for a
   * payload that is not JSON or a redaction payload carrying more than kind and count.
   */
  append(input: AuditRecordInput): Promise<AuditRecord>;

  /** Records in sequence order (a page at a time). */
  list(options?: AuditListOptions): Promise<AuditRecord[]>;

  /**
   * Recomputes the whole chain and checks its end against the latest checkpoint; names
   * the first broken record, or the truncation or rewrite the checkpoint reveals.
   */
  verify(): Promise<AuditVerification>;

  /**
   * Every record for a session, end user or generation, in sequence order, within the
   * selector's tenant (every tenant's when it names none).
   */
  exportBy(selector: AuditExportSelector): Promise<AuditRecord[]>;

  /**
   * Erases the payloads of records recorded before `olderThan` (skeletons stay) and, when
   * anything was erased, appends a `retention-purged` record.
   */
  purgePayloads(olderThan: Date, options?: { actor?: string }): Promise<AuditPurgeResult>;

  /**
   * Appends the `content-deleted` tombstone for a session or end user whose stream
   * content was deleted, optionally erasing their audit payloads in the same transaction;
   * an end user's clear id is erased with it. Within the input's tenant when it names one.
   */
  recordTombstone(input: AuditTombstoneInput): Promise<AuditRecord>;

  /** Resolves when every append made so far is committed and checkpointed. */
  flush(): Promise<void>;
}
