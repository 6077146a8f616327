/**
 * The embedded audit log on SQLite (`node:sqlite`). Appends made in the same event-loop
 * turn are written together in one `BEGIN IMMEDIATE` transaction, in call order, with the
 * chain head read under the write lock — so the gateway and the `sluice` CLI can both
 * append to one file without forking the chain. Statements are prepared once.
 *
 * Other SQLite stores on the same connection (policies, review queue) use `transaction()`
 * to change their tables and append the matching audit record atomically.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { runImmediateTransaction } from '../database/immediate-transaction.ts';
import { AuditChainVerifier } from './audit-chain-verifier.ts';
import { GENESIS_HASH, hashAuditRecord } from './audit-hash.ts';
import type { AuditLog } from './audit-log.ts';
import type {
  AuditExportSelector,
  AuditListOptions,
  AuditPurgeResult,
  AuditRecord,
  AuditRecordInput,
  AuditTombstoneInput,
  AuditVerification,
} from './audit-record.ts';
import {
  AUDIT_RECORD_COLUMNS,
  type AuditRecordRow,
  auditRecordFromRow,
} from './audit-record-row.ts';
import { type PreparedAuditRecord, prepareAuditRecord } from './prepare-audit-record.ts';

export interface SqliteAuditLogOptions {
  /** Clock for `recordedAt`; tests move it to exercise retention. */
  now?: () => Date;
}

/** Appends a record inside a transaction opened by `SqliteAuditLog.transaction`. */
export type AppendInTransaction = (input: AuditRecordInput) => AuditRecord;

interface PendingAppend {
  prepared: PreparedAuditRecord;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1_000;
/** Records verified per synchronous step; verification yields to the event loop between steps. */
const VERIFY_CHUNK = 2_000;

/** Records naming the subject, plus every record of the generations those records name. */
function subjectFilter(column: 'session_id' | 'end_user_id' | 'generation_id'): string {
  if (column === 'generation_id') return 'generation_id = :subject';
  return `${column} = :subject OR generation_id IN (
    SELECT generation_id FROM audit_records WHERE ${column} = :subject AND generation_id IS NOT NULL
  )`;
}

export class SqliteAuditLog implements AuditLog {
  readonly specificationVersion = 'v1';
  readonly #database: DatabaseSync;
  readonly #now: () => Date;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;

  readonly #insert: StatementSync;
  readonly #head: StatementSync;
  readonly #listAfter: StatementSync;
  readonly #listAfterForGeneration: StatementSync;
  readonly #exportBySession: StatementSync;
  readonly #exportByEndUser: StatementSync;
  readonly #exportByGeneration: StatementSync;
  readonly #purgeOlderThan: StatementSync;
  readonly #purgeSession: StatementSync;
  readonly #purgeGeneration: StatementSync;

  constructor(database: DatabaseSync, options: SqliteAuditLogOptions = {}) {
    this.#database = database;
    this.#now = options.now ?? (() => new Date());
    this.#insert = database.prepare(
      `INSERT INTO audit_records (${AUDIT_RECORD_COLUMNS})
       VALUES (:sequence, :id, :recordedAt, :type, :tenant, :actor, :generationId, :sessionId,
               :endUserId, :payload, :payloadSha256, :previousHash, :hash)`,
    );
    this.#head = database.prepare(
      'SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1',
    );
    this.#listAfter = database.prepare(
      `SELECT ${AUDIT_RECORD_COLUMNS} FROM audit_records
       WHERE sequence > :after ORDER BY sequence LIMIT :limit`,
    );
    this.#listAfterForGeneration = database.prepare(
      `SELECT ${AUDIT_RECORD_COLUMNS} FROM audit_records
       WHERE generation_id = :generationId AND sequence > :after ORDER BY sequence LIMIT :limit`,
    );
    const exportStatement = (column: 'session_id' | 'end_user_id' | 'generation_id') =>
      database.prepare(
        `SELECT ${AUDIT_RECORD_COLUMNS} FROM audit_records
         WHERE ${subjectFilter(column)} ORDER BY sequence`,
      );
    this.#exportBySession = exportStatement('session_id');
    this.#exportByEndUser = exportStatement('end_user_id');
    this.#exportByGeneration = exportStatement('generation_id');
    this.#purgeOlderThan = database.prepare(
      `UPDATE audit_records SET payload = NULL, payload_purged_at = :now
       WHERE payload IS NOT NULL AND recorded_at < :cutoff`,
    );
    this.#purgeSession = database.prepare(
      `UPDATE audit_records SET payload = NULL, payload_purged_at = :now
       WHERE payload IS NOT NULL AND (${subjectFilter('session_id')})`,
    );
    this.#purgeGeneration = database.prepare(
      `UPDATE audit_records SET payload = NULL, payload_purged_at = :now
       WHERE payload IS NOT NULL AND generation_id = :subject`,
    );
  }

  append(input: AuditRecordInput): Promise<AuditRecord> {
    let prepared: PreparedAuditRecord;
    try {
      prepared = prepareAuditRecord(input, randomUUID(), this.#now());
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#pending.push({ prepared, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * Runs `work` in one immediate transaction with a synchronous audit append, after
   * writing every queued append (so the chain follows call order). Either all of it
   * commits or none of it does.
   */
  transaction<T>(work: (append: AppendInTransaction) => T): T {
    this.#writePending();
    return runImmediateTransaction(this.#database, () =>
      work((input) => this.#insertRecord(prepareAuditRecord(input, randomUUID(), this.#now()))),
    );
  }

  async list(options: AuditListOptions = {}): Promise<AuditRecord[]> {
    this.#writePending();
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const after = options.afterSequence ?? 0;
    const rows =
      options.generationId === undefined
        ? this.#listAfter.all({ after, limit })
        : this.#listAfterForGeneration.all({ after, limit, generationId: options.generationId });
    return (rows as AuditRecordRow[]).map(auditRecordFromRow);
  }

  async verify(): Promise<AuditVerification> {
    this.#writePending();
    const verifier = new AuditChainVerifier();
    let after = 0;
    for (;;) {
      const rows = this.#listAfter.all({ after, limit: VERIFY_CHUNK }) as AuditRecordRow[];
      for (const row of rows) {
        if (!verifier.push(auditRecordFromRow(row))) return verifier.result();
      }
      const last = rows.at(-1);
      if (rows.length < VERIFY_CHUNK || last === undefined) return verifier.result();
      after = last.sequence;
      // A long chain must not hold the event loop that relays tokens.
      await nextTurn();
    }
  }

  async exportBy(selector: AuditExportSelector): Promise<AuditRecord[]> {
    this.#writePending();
    let rows: unknown[];
    if ('sessionId' in selector) rows = this.#exportBySession.all({ subject: selector.sessionId });
    else if ('endUserId' in selector) {
      rows = this.#exportByEndUser.all({ subject: selector.endUserId });
    } else rows = this.#exportByGeneration.all({ subject: selector.generationId });
    return (rows as AuditRecordRow[]).map(auditRecordFromRow);
  }

  async purgePayloads(
    olderThan: Date,
    options: { actor?: string } = {},
  ): Promise<AuditPurgeResult> {
    const cutoff = olderThan.toISOString();
    return this.transaction((append) => {
      const now = this.#now().toISOString();
      const purgedCount = Number(this.#purgeOlderThan.run({ now, cutoff }).changes);
      // A periodic purge that found nothing leaves no trace, or it would fill the log.
      if (purgedCount === 0) return { purgedCount };
      const record = append({
        type: 'retention-purged',
        ...(options.actor === undefined ? {} : { actor: options.actor }),
        payload: { cutoff, purgedCount },
      });
      return { purgedCount, record };
    });
  }

  async recordTombstone(input: AuditTombstoneInput): Promise<AuditRecord> {
    const generationIds = input.generationIds ?? [];
    return this.transaction((append) => {
      let purgedAuditPayloads = 0;
      if (input.purgeAuditPayloads === true) {
        const now = this.#now().toISOString();
        purgedAuditPayloads += Number(
          this.#purgeSession.run({ now, subject: input.sessionId }).changes,
        );
        for (const generationId of generationIds) {
          purgedAuditPayloads += Number(
            this.#purgeGeneration.run({ now, subject: generationId }).changes,
          );
        }
      }
      return append({
        type: 'content-deleted',
        actor: input.actor,
        sessionId: input.sessionId,
        ...(input.tenant === undefined ? {} : { tenant: input.tenant }),
        ...(input.endUserId === undefined ? {} : { endUserId: input.endUserId }),
        payload: {
          scope: 'session',
          generationIds,
          purgedAuditPayloads,
          ...(input.reason === undefined ? {} : { reason: input.reason }),
        },
      });
    });
  }

  async flush(): Promise<void> {
    // Writing is synchronous: once this returns, every earlier append is committed.
    this.#writePending();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: appends from every I/O callback of this loop turn
    // share one transaction.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#writePending();
    });
  }

  #writePending(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    let records: AuditRecord[];
    try {
      records = runImmediateTransaction(this.#database, () =>
        batch.map((pending) => this.#insertRecord(pending.prepared)),
      );
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      pending.resolve(records[index] as AuditRecord);
    });
  }

  /** Must run inside an immediate transaction: the head read and the insert are one step. */
  #insertRecord(prepared: PreparedAuditRecord): AuditRecord {
    const head = this.#head.get() as { sequence: number; hash: string } | undefined;
    const { payloadJson, ...fields } = prepared;
    const skeleton = {
      ...fields,
      sequence: (head?.sequence ?? 0) + 1,
      previousHash: head?.hash ?? GENESIS_HASH,
    };
    const hash = hashAuditRecord(skeleton);
    this.#insert.run({
      sequence: skeleton.sequence,
      id: skeleton.id,
      recordedAt: skeleton.recordedAt,
      type: skeleton.type,
      tenant: skeleton.tenant ?? null,
      actor: skeleton.actor ?? null,
      generationId: skeleton.generationId ?? null,
      sessionId: skeleton.sessionId ?? null,
      endUserId: skeleton.endUserId ?? null,
      payload: payloadJson,
      payloadSha256: skeleton.payloadSha256,
      previousHash: skeleton.previousHash,
      hash,
    });
    return { ...skeleton, payload: JSON.parse(payloadJson) as AuditRecord['payload'], hash };
  }
}
