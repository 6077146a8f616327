/**
 * Appending to the audit chain inside a PostgreSQL transaction that holds the chain head.
 * `lockChainHead` takes the one `audit_chain_head` row `FOR UPDATE`: a writer on another
 * node waits for it, then reads the head this transaction committed (under READ
 * COMMITTED a locked row is re-read once its locker commits), so sequences stay
 * contiguous and every `previousHash` is the hash before it — one chain, whatever the
 * number of nodes. `insertChained` hashes and inserts a batch in one statement and moves
 * the head row with it; the caller commits.
 */
import type { ClientBase } from 'pg';
import { type AuditRecordSkeleton, hashKeyedAuditRecord } from '../audit/audit-hash.ts';
import type { AuditKeyring } from '../audit/audit-keyring.ts';
import type { AuditRecord } from '../audit/audit-record.ts';
import type { PreparedAuditRecord } from '../audit/prepare-audit-record.ts';
import { GovernanceDatabaseError } from '../database/governance-database-error.ts';
import type { PgEndUserPseudonyms } from './pg-end-user-pseudonyms.ts';

export interface ChainHead {
  sequence: number;
  hash: string;
}

export interface ChainAppend {
  prepared: PreparedAuditRecord;
  /** The pseudonym to file the record under when the caller already has it (tombstones). */
  endUserPseudonym?: string;
}

const COLUMNS = [
  'sequence',
  'id',
  'recorded_at',
  'type',
  'tenant',
  'actor',
  'generation_id',
  'session_id',
  'end_user_pseudonym',
  'key_id',
  'payload',
  'payload_sha256',
  'previous_hash',
  'hash',
] as const;

/** Rows per INSERT statement: PostgreSQL takes at most 65,535 parameters. */
export const MAX_ROWS_PER_INSERT = 1_000;

export async function lockChainHead(client: ClientBase): Promise<ChainHead> {
  const { rows } = await client.query<ChainHead>(
    'SELECT sequence, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE',
  );
  const head = rows[0];
  if (head === undefined)
    throw new GovernanceDatabaseError(
      'The audit_chain_head row is missing: the schema was altered',
    );
  return head;
}

/**
 * Hashes and inserts `appends` after `head`, in order, and moves the head row. Must run
 * in the transaction that locked `head`. Returns the records as committed (once it is).
 */
export async function insertChained(
  client: ClientBase,
  context: { keyring: AuditKeyring; pseudonyms: PgEndUserPseudonyms },
  head: ChainHead,
  appends: readonly ChainAppend[],
): Promise<{ records: AuditRecord[]; head: ChainHead }> {
  const key = context.keyring.current;
  const records: AuditRecord[] = [];
  const values: unknown[] = [];
  /** Pseudonyms already looked up in this batch, by tenant and end-user id. */
  const seen = new Map<string, string>();
  let current = head;
  for (const { prepared, endUserPseudonym } of appends) {
    const { payloadJson, endUserId, ...fields } = prepared;
    let pseudonym = endUserPseudonym;
    if (pseudonym === undefined && endUserId !== undefined) {
      const cacheKey = JSON.stringify([fields.tenant ?? null, endUserId]);
      pseudonym = seen.get(cacheKey);
      if (pseudonym === undefined) {
        pseudonym = await context.pseudonyms.pseudonymFor(client, fields.tenant, endUserId);
        seen.set(cacheKey, pseudonym);
      }
    }
    const skeleton: AuditRecordSkeleton = {
      ...fields,
      ...(pseudonym === undefined ? {} : { endUserPseudonym: pseudonym }),
      sequence: current.sequence + 1,
      previousHash: current.hash,
    };
    const hash = hashKeyedAuditRecord(key, skeleton);
    values.push(
      skeleton.sequence,
      skeleton.id,
      skeleton.recordedAt,
      skeleton.type,
      skeleton.tenant ?? null,
      skeleton.actor ?? null,
      skeleton.generationId ?? null,
      skeleton.sessionId ?? null,
      pseudonym ?? null,
      fields.keyId,
      payloadJson,
      skeleton.payloadSha256,
      skeleton.previousHash,
      hash,
    );
    records.push({
      ...skeleton,
      ...(endUserId === undefined ? {} : { endUserId }),
      payload: JSON.parse(payloadJson) as AuditRecord['payload'],
      hash,
    });
    current = { sequence: skeleton.sequence, hash };
  }
  for (let start = 0; start < records.length; start += MAX_ROWS_PER_INSERT) {
    const count = Math.min(MAX_ROWS_PER_INSERT, records.length - start);
    const slice = values.slice(start * COLUMNS.length, (start + count) * COLUMNS.length);
    await client.query(
      `INSERT INTO audit_records (${COLUMNS.join(', ')}) VALUES ${rowPlaceholders(count)}`,
      slice,
    );
  }
  if (records.length > 0) {
    await client.query('UPDATE audit_chain_head SET sequence = $1, hash = $2 WHERE id = 1', [
      current.sequence,
      current.hash,
    ]);
  }
  return { records, head: current };
}

function rowPlaceholders(rows: number): string {
  const width = COLUMNS.length;
  return Array.from(
    { length: rows },
    (_, row) =>
      `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`,
  ).join(', ');
}
