/**
 * The hash chain. A record's hash is an HMAC-SHA-256, under the audit key its `keyId`
 * names, of the canonical JSON of its skeleton: every field except the payload (covered
 * by its keyed hash, `payloadSha256`) and the clear end-user id (covered by its keyed
 * pseudonym). Absent optional fields encode as null, so a field cannot be dropped without
 * changing the hash. Without the key nobody can re-hash an edited chain, however much of
 * it they rewrite.
 *
 * Records written before the chain was keyed have no `keyId` and plain SHA-256 hashes
 * with the end-user id in clear; they verify as they were, and only before keyed ones.
 * Any store (SQLite now, PostgreSQL later) hashes and verifies with these functions.
 */
import { createHash } from 'node:crypto';
import type { AuditKey } from './audit-keyring.ts';
import type { AuditRecord } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

/** `previousHash` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditRecordSkeleton = Omit<AuditRecord, 'payload' | 'hash'>;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Plain SHA-256 of a canonical payload: records from before keys, and policy documents. */
export function hashAuditPayload(canonicalPayload: string): string {
  return sha256Hex(canonicalPayload);
}

/** A record's `payloadSha256`: keyed under the record's key; plain for records from before keys. */
export function hashRecordPayload(key: AuditKey | undefined, canonicalPayload: string): string {
  return key === undefined ? sha256Hex(canonicalPayload) : key.mac('payload', canonicalPayload);
}

/** The hash of a keyed record (`skeleton.keyId` is `key.id`). */
export function hashKeyedAuditRecord(key: AuditKey, skeleton: AuditRecordSkeleton): string {
  return key.mac(
    'chain',
    canonicalJson({
      ...chainedFields(skeleton),
      endUserPseudonym: skeleton.endUserPseudonym ?? null,
      keyId: key.id,
    }),
  );
}

/** The hash of a record from before the chain was keyed (no `keyId`). */
export function hashLegacyAuditRecord(skeleton: AuditRecordSkeleton): string {
  return sha256Hex(
    canonicalJson({ ...chainedFields(skeleton), endUserId: skeleton.endUserId ?? null }),
  );
}

/** The fields both record hashes cover (canonical JSON sorts keys, so order is free). */
function chainedFields(skeleton: AuditRecordSkeleton) {
  return {
    sequence: skeleton.sequence,
    id: skeleton.id,
    recordedAt: skeleton.recordedAt,
    type: skeleton.type,
    tenant: skeleton.tenant ?? null,
    actor: skeleton.actor ?? null,
    generationId: skeleton.generationId ?? null,
    sessionId: skeleton.sessionId ?? null,
    payloadSha256: skeleton.payloadSha256,
    previousHash: skeleton.previousHash,
  };
}
