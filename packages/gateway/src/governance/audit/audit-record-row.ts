/**
 * The SQLite row of an audit record and its mapping to `AuditRecord`. A stored payload
 * that is not a JSON object (edited by hand) is kept visible as `{ unparseablePayload }`
 * rather than thrown on, so verification names the record instead of crashing.
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
  end_user_id: string | null;
  payload: string | null;
  payload_sha256: string;
  previous_hash: string;
  hash: string;
};

export const AUDIT_RECORD_COLUMNS =
  'sequence, id, recorded_at, type, tenant, actor, generation_id, session_id, end_user_id, payload, payload_sha256, previous_hash, hash';

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
    ...(row.end_user_id === null ? {} : { endUserId: row.end_user_id }),
    payload: row.payload === null ? null : parseStoredPayload(row.payload),
    payloadSha256: row.payload_sha256,
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
