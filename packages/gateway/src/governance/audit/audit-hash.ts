/**
 * The hash chain. A record's hash is SHA-256 over the canonical JSON of its skeleton:
 * every field except the payload, which is represented by `payloadSha256`. Absent
 * optional fields encode as null, so a field cannot be dropped without changing the hash.
 * Any store (SQLite now, PostgreSQL later) computes and verifies hashes with these
 * functions, so a chain can move between stores.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

/** `previousHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditRecordSkeleton = Omit<AuditRecord, 'payload' | 'hash'>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hashAuditPayload(canonicalPayload: string): string {
  return sha256Hex(canonicalPayload);
}

export function hashAuditRecord(skeleton: AuditRecordSkeleton): string {
  return sha256Hex(
    canonicalJson({
      sequence: skeleton.sequence,
      id: skeleton.id,
      recordedAt: skeleton.recordedAt,
      type: skeleton.type,
      tenant: skeleton.tenant ?? null,
      actor: skeleton.actor ?? null,
      generationId: skeleton.generationId ?? null,
      sessionId: skeleton.sessionId ?? null,
      endUserId: skeleton.endUserId ?? null,
      payloadSha256: skeleton.payloadSha256,
      previousHash: skeleton.previousHash,
    }),
  );
}
