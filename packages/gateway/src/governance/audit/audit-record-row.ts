/**
 * The SQLite row of an audit record and its mapping to `AuditRecord`. Rows are read with
 * the clear end-user id joined from `audit_end_users` (absent once erased). A stored
 * payload that is not a JSON object (edited by hand) is kept visible as
 * `{ unparseablePayload }` rather than thrown on, so verification names the record
 * instead of crashing.
 */
import type { AuditRecord, AuditRecordType } from './audit-record.ts';
import { isJsonObject, type JsonObject } from './canonical-json.ts';

export type AuditRecordRow = {
  sequence: number;
  id: string;
  recorded_at: string;
  type: string;
  tenant: string | null;
  actor: string | null;
  generation_id: string | null;
  session_id: string | null;
  /** In clear on records from before keyed chains only. */
  end_user_id: string | null;
  end_user_pseudonym: string | null;
  key_id: string | null;
  /** From `audit_end_users`, by pseudonym. */
  mapped_end_user_id: string | null;
  payload: string | null;
  payload_sha256: string;
  previous_hash: string;
  hash: string;
};

/** The columns of `AuditRecordRow`, for `FROM audit_records r LEFT JOIN audit_end_users m`. */
export const AUDIT_RECORD_SELECT = `SELECT r.sequence, r.id, r.recorded_at, r.type, r.tenant,
  r.actor, r.generation_id, r.session_id, r.end_user_id, r.end_user_pseudonym, r.key_id,
  m.end_user_id AS mapped_end_user_id, r.payload, r.payload_sha256, r.previous_hash, r.hash
  FROM audit_records r LEFT JOIN audit_end_users m ON m.pseudonym = r.end_user_pseudonym`;

function parseStoredPayload(text: string): JsonObject {
  try {
    const value: unknown = JSON.parse(text);
    if (isJsonObject(value)) return value;
  } catch {
    // Falls through to the visible marker below.
  }
  return { unparseablePayload: text };
}

export function auditRecordFromRow(row: AuditRecordRow): AuditRecord {
  // A keyed record's clear id is the mapping's, never a value someone put in its row.
  const endUserId = row.key_id === null ? row.end_user_id : row.mapped_end_user_id;
  return {
    sequence: row.sequence,
    id: row.id,
    recordedAt: row.recorded_at,
    // A hand-edited type is still returned as stored; verification reports the mismatch.
    type: row.type as AuditRecordType,
    ...(row.tenant === null ? {} : { tenant: row.tenant }),
    ...(row.actor === null ? {} : { actor: row.actor }),
    ...(row.generation_id === null ? {} : { generationId: row.generation_id }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.key_id === null ? {} : { keyId: row.key_id }),
    ...(row.end_user_pseudonym === null ? {} : { endUserPseudonym: row.end_user_pseudonym }),
    ...(endUserId === null ? {} : { endUserId }),
    payload: row.payload === null ? null : parseStoredPayload(row.payload),
    payloadSha256: row.payload_sha256,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
