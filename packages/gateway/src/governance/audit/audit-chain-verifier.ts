/**
 * Recomputes the chain one record at a time, in sequence order, so a store can stream
 * its records through without holding them all. Checks, in order: the sequence follows
 * the previous one, `previousHash` is the previous record's hash, the record's key is
 * known (and no unkeyed record follows a keyed one), the payload matches `payloadSha256`
 * or its erasure is on record, and the record's own hash. Then the end of the chain
 * against the checkpoint kept outside the database: shorter means truncated, another
 * hash at the checkpoint's sequence means rewritten.
 */
import type { StoredAuditCheckpoint } from './audit-checkpoint.ts';
import { isAuthenticCheckpoint } from './audit-checkpoint.ts';
import type { AuditErasureIndex } from './audit-erasures.ts';
import {
  GENESIS_HASH,
  hashKeyedAuditRecord,
  hashLegacyAuditRecord,
  hashRecordPayload,
} from './audit-hash.ts';
import type { AuditKeyring } from './audit-keyring.ts';
import type { AuditBreakReason, AuditRecord, AuditVerification } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';

export interface AuditChainVerifierOptions {
  keyring: AuditKeyring;
  /** The erasure records, read before the chain; without it every missing payload fails. */
  erasures?: AuditErasureIndex;
  /** The stored checkpoint, read before the chain; absent when the log keeps none. */
  checkpoint?: { location: string; stored: StoredAuditCheckpoint };
}

export class AuditChainVerifier {
  readonly #options: AuditChainVerifierOptions;
  #count = 0;
  #previousHash = GENESIS_HASH;
  #keyedSeen = false;
  #hashAtCheckpoint: { id: string; hash: string } | undefined;
  #broken: { sequence: number; id: string; reason: AuditBreakReason } | undefined;

  constructor(options: AuditChainVerifierOptions) {
    this.#options = options;
  }

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
    const stored = this.#options.checkpoint?.stored;
    if (stored?.status === 'present' && stored.checkpoint.sequence === record.sequence) {
      this.#hashAtCheckpoint = { id: record.id, hash: record.hash };
    }
    return true;
  }

  result(): AuditVerification {
    const count = this.#count;
    if (this.#broken) {
      const { sequence, id, reason } = this.#broken;
      return {
        ok: false,
        count,
        message: `record ${sequence} (${id}) fails: ${reason}; ${count} records before it verify`,
        firstBroken: this.#broken,
      };
    }
    const headHash = this.#previousHash;
    const anchor = this.#options.checkpoint;
    if (anchor === undefined) {
      return { ok: true, count, headHash, checkpoint: { status: 'not-configured' } };
    }
    const { stored, location } = anchor;
    if (stored.status === 'missing') {
      if (count === 0) return { ok: true, count, headHash, checkpoint: { status: 'empty' } };
      return {
        ok: false,
        count,
        message: `no checkpoint at ${location} for a chain of ${count} records: removal of its end cannot be ruled out`,
        checkpointProblem: 'checkpoint-missing',
      };
    }
    if (
      stored.status === 'invalid' ||
      !isAuthenticCheckpoint(this.#options.keyring, stored.checkpoint)
    ) {
      const why = stored.status === 'invalid' ? stored.reason : 'not signed by a known audit key';
      return {
        ok: false,
        count,
        message: `the checkpoint at ${location} is invalid (${why})`,
        checkpointProblem: 'checkpoint-invalid',
      };
    }
    const { checkpoint } = stored;
    if (count < checkpoint.sequence) {
      return {
        ok: false,
        count,
        message: `the chain ends at ${count} but the checkpoint says ${checkpoint.sequence}: records were removed from its end`,
        checkpointProblem: 'truncated',
      };
    }
    const atCheckpoint = this.#hashAtCheckpoint;
    const genesis = checkpoint.sequence === 0 && checkpoint.headHash === GENESIS_HASH;
    if (!genesis && atCheckpoint?.hash !== checkpoint.headHash) {
      return {
        ok: false,
        count,
        message: `record ${checkpoint.sequence} is not the one the checkpoint signed: the chain was rewritten`,
        checkpointProblem: 'checkpoint-mismatch',
      };
    }
    return {
      ok: true,
      count,
      headHash,
      checkpoint: {
        status: 'matched',
        sequence: checkpoint.sequence,
        keyId: checkpoint.keyId,
        writtenAt: checkpoint.writtenAt,
      },
    };
  }

  #check(record: AuditRecord): AuditBreakReason | undefined {
    if (record.sequence !== this.#count + 1) return 'sequence-gap';
    if (record.previousHash !== this.#previousHash) return 'previous-hash-mismatch';
    const { payload, hash, endUserId, ...fields } = record;
    let expected: string;
    if (record.keyId === undefined) {
      // Unkeyed records are the history from before keys; none can follow a keyed one.
      if (this.#keyedSeen) return 'unkeyed-record';
      if (
        payload !== null &&
        hashRecordPayload(undefined, canonicalJson(payload)) !== record.payloadSha256
      ) {
        return 'payload-hash-mismatch';
      }
      expected = hashLegacyAuditRecord({
        ...fields,
        ...(endUserId === undefined ? {} : { endUserId }),
      });
    } else {
      const key = this.#options.keyring.get(record.keyId);
      if (key === undefined) return 'unknown-key';
      this.#keyedSeen = true;
      if (
        payload !== null &&
        hashRecordPayload(key, canonicalJson(payload)) !== record.payloadSha256
      ) {
        return 'payload-hash-mismatch';
      }
      // The clear end-user id is outside a keyed record's hash; the pseudonym is inside.
      expected = hashKeyedAuditRecord(key, fields);
    }
    if (payload === null && this.#options.erasures?.explains(record) !== true)
      return 'payload-missing';
    if (expected !== hash) return 'hash-mismatch';
    return undefined;
  }
}
