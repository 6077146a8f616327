/**
 * The audit log on PostgreSQL, for several gateway nodes sharing one chain. Appends made
 * in the same event-loop turn are written together in one transaction that locks the
 * chain-head row (`pg-audit-chain-append.ts`); a node writes one batch at a time, so
 * records keep call order within a node, and nodes take turns at the head lock, so the
 * chain never forks. One lock round trip is paid per batch, not per record.
 *
 * Hashing, keys, checkpoints, pseudonyms and verification are the shared audit modules;
 * only the SQL is PostgreSQL's. Other PostgreSQL stores change their tables and append
 * the matching audit record in one transaction through `transaction()`.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Pool, PoolClient } from 'pg';
import { AuditChainVerifier } from '../audit/audit-chain-verifier.ts';
import {
  type AuditCheckpointer,
  type AuditLogCheckpointOptions,
  auditLogCheckpointer,
} from '../audit/audit-checkpointer.ts';
import { AuditErasureIndex } from '../audit/audit-erasures.ts';
import { type AuditKeyring, processAuditKeyring } from '../audit/audit-keyring.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type {
  AuditExportSelector,
  AuditListOptions,
  AuditPurgeResult,
  AuditRecord,
  AuditRecordInput,
  AuditTombstoneInput,
  AuditVerification,
} from '../audit/audit-record.ts';
import {
  AUDIT_RECORD_SELECT,
  type AuditRecordRow,
  auditRecordFromRow,
} from '../audit/audit-record-row.ts';
import { contentDeletedRecord, subjectOf } from '../audit/content-deletion.ts';
import { type PreparedAuditRecord, prepareAuditRecord } from '../audit/prepare-audit-record.ts';
import { NOT_ERASURE_RECORD } from '../audit/sqlite-audit-subjects.ts';
import { namedValues } from './named-parameters.ts';
import {
  type ChainAppend,
  type ChainHead,
  insertChained,
  lockChainHead,
} from './pg-audit-chain-append.ts';
import { PG_AUDIT_SUBJECTS } from './pg-audit-subjects.ts';
import { PgEndUserPseudonyms } from './pg-end-user-pseudonyms.ts';
import { runPgTransaction } from './run-pg-transaction.ts';

export interface PgAuditLogOptions extends AuditLogCheckpointOptions {
  /** Clock for `recordedAt`; tests move it to exercise retention. */
  now?: () => Date;
  /**
   * The audit keys; every node needs the same ones. Default: a per-process key, for
   * tests only — a chain keyed with it verifies only in the process that wrote it.
   */
  keyring?: AuditKeyring;
}

/** Appends a record inside a transaction opened by `PgAuditLog.transaction`. */
export type PgAppendInTransaction = (input: AuditRecordInput) => Promise<AuditRecord>;

interface PendingAppend {
  prepared: PreparedAuditRecord;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1_000;
/** Records read per query while verifying; the event loop gets a turn between reads. */
const VERIFY_CHUNK = 2_000;
/** Appends written per transaction; more wait for the next one. */
const MAX_BATCH = 5_000;

const LIST_AFTER = `${AUDIT_RECORD_SELECT} WHERE r.sequence > $1 ORDER BY r.sequence LIMIT $2`;
const LIST_AFTER_FOR_GENERATION = `${AUDIT_RECORD_SELECT}
  WHERE r.generation_id = $3 AND r.sequence > $1 ORDER BY r.sequence LIMIT $2`;
const ERASURES = `${AUDIT_RECORD_SELECT}
  WHERE r.type IN ('retention-purged', 'content-deleted') ORDER BY r.sequence`;
const PURGE_OLDER_THAN = `UPDATE audit_records SET payload = NULL, payload_purged_at = $1
  WHERE payload IS NOT NULL AND recorded_at < $2 AND ${NOT_ERASURE_RECORD}`;

export class PgAuditLog implements AuditLog {
  readonly specificationVersion = 'v1';
  readonly #pool: Pool;
  readonly #now: () => Date;
  readonly #keyring: AuditKeyring;
  readonly #pseudonyms: PgEndUserPseudonyms;
  readonly #checkpointer: AuditCheckpointer | undefined;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  /** The tail of this node's writes: one transaction at a time, in call order. */
  #writes: Promise<unknown> = Promise.resolve();

  /** Opens the log on a migrated pool (`openPgGovernancePool`); reads the head for checkpoints. */
  static async open(pool: Pool, options: PgAuditLogOptions = {}): Promise<PgAuditLog> {
    const { rows } = await pool.query<ChainHead>(
      'SELECT sequence, hash FROM audit_chain_head WHERE id = 1',
    );
    return new PgAuditLog(pool, rows[0]?.sequence ?? 0, options);
  }

  private constructor(pool: Pool, openedAtSequence: number, options: PgAuditLogOptions) {
    this.#pool = pool;
    this.#now = options.now ?? (() => new Date());
    this.#keyring = options.keyring ?? processAuditKeyring();
    this.#pseudonyms = new PgEndUserPseudonyms(this.#keyring, this.#now);
    this.#checkpointer = auditLogCheckpointer(options, this.#keyring, openedAtSequence, this.#now);
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
   * Runs `work` in one transaction holding the chain head, after every queued append of
   * this node (so the chain follows call order); `append` adds records to the chain in
   * it. Either all of it commits or none of it does.
   */
  transaction<T>(
    work: (client: PoolClient, append: PgAppendInTransaction) => Promise<T>,
  ): Promise<T> {
    return this.#transaction((client, append) => work(client, (input) => append(input)));
  }

  async list(options: AuditListOptions = {}): Promise<AuditRecord[]> {
    await this.#settle();
    const limit = Math.min(Math.max(1, options.limit ?? DEFAULT_LIST_LIMIT), MAX_LIST_LIMIT);
    const after = options.afterSequence ?? 0;
    const { rows } =
      options.generationId === undefined
        ? await this.#pool.query<AuditRecordRow>(LIST_AFTER, [after, limit])
        : await this.#pool.query<AuditRecordRow>(LIST_AFTER_FOR_GENERATION, [
            after,
            limit,
            options.generationId,
          ]);
    return rows.map(auditRecordFromRow);
  }

  async verify(): Promise<AuditVerification> {
    // This node's appends are checkpointed first; then the checkpoint is read before the
    // chain: it is written after its records, so the chain read next is never
    // legitimately shorter than it, whichever node wrote it.
    await this.flush();
    const checkpoint =
      this.#checkpointer === undefined
        ? undefined
        : {
            location: this.#checkpointer.store.location,
            stored: await this.#checkpointer.store.read(),
          };
    const erasureRows = await this.#pool.query<AuditRecordRow>(ERASURES);
    const verifier = new AuditChainVerifier({
      keyring: this.#keyring,
      erasures: new AuditErasureIndex(erasureRows.rows.map(auditRecordFromRow)),
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
    let after = 0;
    for (;;) {
      const { rows } = await this.#pool.query<AuditRecordRow>(LIST_AFTER, [after, VERIFY_CHUNK]);
      for (const row of rows) {
        if (!verifier.push(auditRecordFromRow(row))) return verifier.result();
      }
      const last = rows.at(-1);
      if (rows.length < VERIFY_CHUNK || last === undefined) return verifier.result();
      after = last.sequence;
      // Hashing a chunk is synchronous work; the relay's event loop gets its turn.
      await nextTurn();
    }
  }

  async exportBy(selector: AuditExportSelector): Promise<AuditRecord[]> {
    await this.#settle();
    const { kind, subject } = subjectOf(selector);
    const client = await this.#pool.connect();
    try {
      const pseudonyms =
        kind === 'end-user' ? await this.#pseudonyms.find(client, selector.tenant, subject) : [];
      const statement = PG_AUDIT_SUBJECTS[kind].export;
      const { rows } = await client.query<AuditRecordRow>(
        statement.text,
        namedValues(statement, { subject, tenant: selector.tenant ?? null, pseudonyms }),
      );
      return rows.map(auditRecordFromRow);
    } finally {
      client.release();
    }
  }

  async purgePayloads(
    olderThan: Date,
    options: { actor?: string } = {},
  ): Promise<AuditPurgeResult> {
    const cutoff = olderThan.toISOString();
    return this.transaction(async (client, append) => {
      const now = this.#now().toISOString();
      const purgedCount = (await client.query(PURGE_OLDER_THAN, [now, cutoff])).rowCount ?? 0;
      // A periodic purge that found nothing leaves no trace, or it would fill the log.
      if (purgedCount === 0) return { purgedCount };
      const record = await append({
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
    return this.#transaction(async (client, append) => {
      const pseudonyms =
        kind === 'end-user' ? await this.#pseudonyms.find(client, tenant, subject) : [];
      const values = { subject, tenant: tenant ?? null, pseudonyms };
      const statements = PG_AUDIT_SUBJECTS[kind];
      const found = await client.query<{ generationId: string }>(
        statements.generations.text,
        namedValues(statements.generations, values),
      );
      const generationIds = [
        ...new Set([...(input.generationIds ?? []), ...found.rows.map((row) => row.generationId)]),
      ];
      let purgedAuditPayloads = 0;
      if (input.purgeAuditPayloads === true) {
        const purged = await client.query(
          statements.purge.text,
          namedValues(statements.purge, {
            ...values,
            now: this.#now().toISOString(),
            generationIds,
          }),
        );
        purgedAuditPayloads = purged.rowCount ?? 0;
      }
      // The clear id goes in the same transaction as the tombstone that says so.
      if (kind === 'end-user') await this.#pseudonyms.erase(client, tenant, subject);
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
    await this.#settle();
    await this.#checkpointer?.flush();
  }

  #prepare(input: AuditRecordInput): PreparedAuditRecord {
    return prepareAuditRecord(input, randomUUID(), this.#now(), this.#keyring.current);
  }

  /** Queues `job` behind this node's earlier writes; a failed job does not stop later ones. */
  #enqueue<T>(job: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(job);
    this.#writes = result.catch(() => {
      // The job's caller gets its error through `result`; the queue moves on.
    });
    return result;
  }

  /** Resolves once every append made so far is committed (or has failed its caller). */
  async #settle(): Promise<void> {
    if (this.#pending.length > 0) void this.#enqueue(() => this.#writePending());
    await this.#writes;
  }

  #transaction<T>(
    work: (
      client: PoolClient,
      append: (input: AuditRecordInput, endUserPseudonym?: string) => Promise<AuditRecord>,
    ) => Promise<T>,
  ): Promise<T> {
    return this.#enqueue(async () => {
      await this.#writePending();
      let head: ChainHead | undefined;
      const result = await runPgTransaction(this.#pool, async (client) => {
        let current = await lockChainHead(client);
        return work(client, async (input, endUserPseudonym) => {
          const append: ChainAppend = {
            prepared: this.#prepare(input),
            ...(endUserPseudonym === undefined ? {} : { endUserPseudonym }),
          };
          const written = await insertChained(client, this.#context(), current, [append]);
          current = written.head;
          head = written.head;
          return written.records[0] as AuditRecord;
        });
      });
      // Only a committed head may be checkpointed.
      if (head !== undefined) this.#checkpointer?.advance(head);
      return result;
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: appends from every I/O callback of this loop turn
    // share one transaction.
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#pending.length > 0) void this.#enqueue(() => this.#writePending());
    });
  }

  /** Writes what is queued when it runs (not when it was scheduled): batches grow under load. */
  async #writePending(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      try {
        const written = await runPgTransaction(this.#pool, async (client) => {
          const head = await lockChainHead(client);
          return insertChained(
            client,
            this.#context(),
            head,
            batch.map((pending) => ({ prepared: pending.prepared })),
          );
        });
        if (written.records.length > 0) this.#checkpointer?.advance(written.head);
        batch.forEach((pending, index) => {
          pending.resolve(written.records[index] as AuditRecord);
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }

  #context() {
    return { keyring: this.#keyring, pseudonyms: this.#pseudonyms };
  }
}
