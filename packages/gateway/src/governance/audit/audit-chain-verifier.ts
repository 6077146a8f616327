/**
 * Recomputes the chain one record at a time, in sequence order, so a store can stream
 * its records through without holding them all. Checks, in order: the sequence follows
 * the previous one, `previousHash` is the previous record's hash, the payload (when not
 * erased) matches `payloadSha256`, and the record's own hash.
 */
import { GENESIS_HASH, hashAuditPayload, hashAuditRecord } from './audit-hash.ts';
import type { AuditBreakReason, AuditRecord, AuditVerification } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

export class AuditChainVerifier {
  #count = 0;
  #previousHash = GENESIS_HASH;
  #broken: { sequence: number; id: string; reason: AuditBreakReason } | undefined;

  /** Feeds the next record; returns false once the chain is broken (stop feeding). */
  push(record: AuditRecord): boolean {
    if (this.#broken) return false;
    const reason = this.#check(record);
    if (reason) {
      this.#broken = { sequence: record.sequence, id: record.id, reason };
      return false;
    }
    this.#count += 1;
    this.#previousHash = record.hash;
    return true;
  }

  result(): AuditVerification {
    if (this.#broken) return { ok: false, count: this.#count, firstBroken: this.#broken };
    return { ok: true, count: this.#count, headHash: this.#previousHash };
  }

  #check(record: AuditRecord): AuditBreakReason | undefined {
    if (record.sequence !== this.#count + 1) return 'sequence-gap';
    if (record.previousHash !== this.#previousHash) return 'previous-hash-mismatch';
    if (
      record.payload !== null &&
      hashAuditPayload(canonicalJson(record.payload)) !== record.payloadSha256
    ) {
      return 'payload-hash-mismatch';
    }
    const { payload: _payload, hash, ...skeleton } = record;
    if (hashAuditRecord(skeleton) !== hash) return 'hash-mismatch';
    return undefined;
  }
}

export function verifyAuditRecords(records: Iterable<AuditRecord>): AuditVerification {
  const verifier = new AuditChainVerifier();
  for (const record of records) {
    if (!verifier.push(record)) break;
  }
  return verifier.result();
}
