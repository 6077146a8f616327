/**
 * The audit log contract: an append-only, hash-chained record of what Sluice did. The
 * embedded store is SQLite (`sqlite-audit-log.ts`); a PostgreSQL store will implement
 * the same interface and pass the same suite (`audit-log-conformance.ts`).
 *
 * Design notes:
 * - Appends are serialised by the store, which reads the chain head under its write lock;
 *   callers never compute sequences or hashes. Records appear in the order `append` was
 *   called within a process.
 * - Payload erasure (retention, data-subject deletion) keeps every skeleton, so the chain
 *   still verifies after it; the erasures themselves are recorded.
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

  /** Recomputes the whole chain; names the first broken record. */
  verify(): Promise<AuditVerification>;

  /** Every record for a session, end user or generation, in sequence order. */
  exportBy(selector: AuditExportSelector): Promise<AuditRecord[]>;

  /**
   * Erases the payloads of records recorded before `olderThan` (skeletons stay) and, when
   * anything was erased, appends a `retention-purged` record.
   */
  purgePayloads(olderThan: Date, options?: { actor?: string }): Promise<AuditPurgeResult>;

  /**
   * Appends the `content-deleted` tombstone for a session whose stream content was
   * deleted, optionally erasing the session's audit payloads in the same transaction.
   */
  recordTombstone(input: AuditTombstoneInput): Promise<AuditRecord>;

  /** Resolves when every append made so far is committed. */
  flush(): Promise<void>;
}
