/**
 * The embedded audit log on SQLite (`node:sqlite`). Appends made in the same event-loop
 * turn are written together in one `BEGIN IMMEDIATE` transaction, in call order, with the
 * chain head read under the write lock — so the gateway and the `sluice` CLI can both
 * append to one file without forking the chain. Statements are prepared once.
 *
 * Records are hashed with the current audit key; each committed head is then noted for
 * the checkpoint kept outside the database (`audit-checkpointer.ts`). End users are
 * filed under keyed pseudonyms (`sqlite-end-user-pseudonyms.ts`).
 *
 * Other SQLite stores on the same connection (policies, review queue) use `transaction()`
 * to change their tables and append the matching audit record atomically.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { runImmediateTransaction } from '../database/immediate-transaction.ts';
import { AuditChainVerifier } from './audit-chain-verifier.ts';
import {
  type AuditCheckpointer,
  type AuditLogCheckpointOptions,
  auditLogCheckpointer,
} from './audit-checkpointer.ts';
import { AuditErasureIndex } from './audit-erasures.ts';
import { type AuditRecordSkeleton, GENESIS_HASH, hashKeyedAuditRecord } from './audit-hash.ts';
import { type AuditKeyring, processAuditKeyring } from './audit-keyring.ts';
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
  AUDIT_RECORD_SELECT,
  type AuditRecordRow,
  auditRecordFromRow,
} from './audit-record-row.ts';
import { contentDeletedRecord, subjectOf } from './content-deletion.ts';
import { type PreparedAuditRecord, prepareAuditRecord } from './prepare-audit-record.ts';
import {
  type AuditSubjectKind,
  type AuditSubjectStatements,
  NOT_ERASURE_RECORD,
  prepareAuditSubjectStatements,
  subjectParameters,
} from './sqlite-audit-subjects.ts';
import { SqliteEndUserPseudonyms } from './sqlite-end-user-pseudonyms.ts';

export interface SqliteAuditLogOptions extends AuditLogCheckpointOptions {
  /** Clock for `recordedAt`; tests move it to exercise retention. */
  now?: () => Date;
  /**
   * The audit keys. Default: a per-process key, for in-memory databases and tests — a
   * chain keyed with it verifies only in the process that wrote it.
   */
  keyring?: AuditKeyring;
}

/** Appends a record inside a transaction opened by `SqliteAuditLog.transaction`. */
export type AppendInTransaction = (input: AuditRecordInput) => AuditRecord;

type AppendWithPseudonym = (input: AuditRecordInput, endUserPseudonym?: string) => AuditRecord;

interface PendingAppend {
  prepared: PreparedAuditRecord;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1_000;
/** Records verified per synchronous step; verification yields to the event loop between steps. */
const VERIFY_CHUNK = 2_000;

export class SqliteAuditLog implements AuditLog {
  readonly specificationVersion = 'v1';
  readonly #database: DatabaseSync;
  readonly #now: () => Date;
  readonly #keyring: AuditKeyring;
  readonly #pseudonyms: SqliteEndUserPseudonyms;
  readonly #checkpointer: AuditCheckpointer | undefined;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;

  readonly #insert: StatementSync;
  readonly #head: StatementSync;
  readonly #listAfter: StatementSync;
  readonly #listAfterForGeneration: StatementSync;
  readonly #erasures: StatementSync;
  readonly #subjects: Record<AuditSubjectKind, AuditSubjectStatements>;
  readonly #purgeOlderThan: StatementSync;

  constructor(database: DatabaseSync, options: SqliteAuditLogOptions = {}) {
    this.#database = database;
    this.#now = options.now ?? (() => new Date());
    this.#keyring = options.keyring ?? processAuditKeyring();
    this.#pseudonyms = new SqliteEndUserPseudonyms(database, this.#keyring, this.#now);
    this.#insert = database.prepare(
      `INSERT INTO audit_records (sequence, id, recorded_at, type, tenant, actor, generation_id,
         session_id, end_user_pseudonym, key_id, payload, payload_sha256, previous_hash, hash)
       VALUES (:sequence, :id, :recordedAt, :type, :tenant, :actor, :generationId, :sessionId,
         :endUserPseudonym, :keyId, :payload, :payloadSha256, :previousHash, :hash)`,
    );
    this.#head = database.prepare(
      'SELECT sequence, hash FROM audit_records ORDER BY sequence DESC LIMIT 1',
    );
    this.#listAfter = database.prepare(
      `${AUDIT_RECORD_SELECT} WHERE r.sequence > :after ORDER BY r.sequence LIMIT :limit`,
    );
    this.#listAfterForGeneration = database.prepare(
      `${AUDIT_RECORD_SELECT} WHERE r.generation_id = :generationId AND r.sequence > :after
       ORDER BY r.sequence LIMIT :limit`,
    );
    this.#erasures = database.prepare(
      `${AUDIT_RECORD_SELECT} WHERE r.type IN ('retention-purged', 'content-deleted')
       ORDER BY r.sequence`,
    );
    this.#subjects = prepareAuditSubjectStatements(database);
    this.#purgeOlderThan = database.prepare(
      `UPDATE audit_records SET payload = NULL, payload_purged_at = :now
       WHERE payload IS NOT NULL AND recorded_at < :cutoff AND ${NOT_ERASURE_RECORD}`,
    );
    const head = this.#head.get() as { sequence: number } | undefined;
    this.#checkpointer = auditLogCheckpointer(
      options,
      this.#keyring,
      head?.sequence ?? 0,
      this.#now,
    );
  }

  append(input: AuditRecordInput): Promise<AuditRecord> {
    let prepared: PreparedAuditRecord;
    try {
      prepared = this.#prepare(input);
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
    return this.#transaction((append) => work((input) => append(input)));
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
    // This process's own appends are checkpointed first; then the checkpoint is read before
    // the chain: it is written after its records, so the chain read next is never
    // legitimately shorter than it.
    await this.flush();
    const checkpoint =
      this.#checkpointer === undefined
        ? undefined
        : {
            location: this.#checkpointer.store.location,
            stored: await this.#checkpointer.store.read(),
          };
    const erasures = new AuditErasureIndex(
      (this.#erasures.all() as AuditRecordRow[]).map(auditRecordFromRow),
    );
    const verifier = new AuditChainVerifier({
      keyring: this.#keyring,
      erasures,
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
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
    const { kind, subject } = subjectOf(selector);
    const pseudonyms = kind === 'end-user' ? this.#pseudonyms.find(selector.tenant, subject) : [];
    const rows = this.#subjects[kind].export.all(
      subjectParameters(kind, subject, selector.tenant, pseudonyms),
    );
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
    const { kind, subject } = subjectOf(input);
    const { tenant } = input;
    return this.#transaction((append) => {
      const pseudonyms = kind === 'end-user' ? this.#pseudonyms.find(tenant, subject) : [];
      const parameters = subjectParameters(kind, subject, tenant, pseudonyms);
      const statements = this.#subjects[kind];
      const found = statements.generations.all(parameters) as Array<{ generationId: string }>;
      const generationIds = [
        ...new Set([...(input.generationIds ?? []), ...found.map((row) => row.generationId)]),
      ];
      let purgedAuditPayloads = 0;
      if (input.purgeAuditPayloads === true) {
        purgedAuditPayloads = Number(
          statements.purge.run({
            ...parameters,
            now: this.#now().toISOString(),
            generationIds: JSON.stringify(generationIds),
          }).changes,
        );
      }
      // The clear id goes in the same transaction as the tombstone that says so.
      if (kind === 'end-user') this.#pseudonyms.erase(tenant, subject);
      return append(
        contentDeletedRecord({
          input,
          kind,
          subject,
          generationIds,
          purgedAuditPayloads,
          pseudonyms,
        }),
        pseudonyms.length === 1 ? pseudonyms[0] : undefined,
      );
    });
  }

  async flush(): Promise<void> {
    // Writing is synchronous: once this returns, every earlier append is committed.
    this.#writePending();
    await this.#checkpointer?.flush();
  }

  #prepare(input: AuditRecordInput): PreparedAuditRecord {
    return prepareAuditRecord(input, randomUUID(), this.#now(), this.#keyring.current);
  }

  #transaction<T>(work: (append: AppendWithPseudonym) => T): T {
    this.#writePending();
    const appended: { head?: AuditRecord } = {};
    const result = runImmediateTransaction(this.#database, () =>
      work((input, endUserPseudonym) => {
        appended.head = this.#insertRecord(this.#prepare(input), endUserPseudonym);
        return appended.head;
      }),
    );
    // Only a committed head may be checkpointed.
    if (appended.head !== undefined) this.#checkpointer?.advance(appended.head);
    return result;
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
    const head = records.at(-1);
    if (head !== undefined) this.#checkpointer?.advance(head);
    batch.forEach((pending, index) => {
      pending.resolve(records[index] as AuditRecord);
    });
  }

  /** Must run inside an immediate transaction: the head read and the insert are one step. */
  #insertRecord(prepared: PreparedAuditRecord, endUserPseudonym?: string): AuditRecord {
    const head = this.#head.get() as { sequence: number; hash: string } | undefined;
    const { payloadJson, endUserId, ...fields } = prepared;
    const pseudonym =
      endUserPseudonym ??
      (endUserId === undefined
        ? undefined
        : this.#pseudonyms.pseudonymFor(fields.tenant, endUserId));
    const skeleton: AuditRecordSkeleton = {
      ...fields,
      ...(pseudonym === undefined ? {} : { endUserPseudonym: pseudonym }),
      sequence: (head?.sequence ?? 0) + 1,
      previousHash: head?.hash ?? GENESIS_HASH,
    };
    const hash = hashKeyedAuditRecord(this.#keyring.current, skeleton);
    this.#insert.run({
      sequence: skeleton.sequence,
      id: skeleton.id,
      recordedAt: skeleton.recordedAt,
      type: skeleton.type,
      tenant: skeleton.tenant ?? null,
      actor: skeleton.actor ?? null,
      generationId: skeleton.generationId ?? null,
      sessionId: skeleton.sessionId ?? null,
      endUserPseudonym: pseudonym ?? null,
      keyId: fields.keyId,
      payload: payloadJson,
      payloadSha256: skeleton.payloadSha256,
      previousHash: skeleton.previousHash,
      hash,
    });
    return {
      ...skeleton,
      ...(endUserId === undefined ? {} : { endUserId }),
      payload: JSON.parse(payloadJson) as AuditRecord['payload'],
      hash,
    };
  }
}
