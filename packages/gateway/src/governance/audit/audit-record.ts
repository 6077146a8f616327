/**
 * What the audit log holds. A record is a skeleton (who, what, when, which generation,
 * session and end user) plus a JSON payload. The record hash is an HMAC under the audit
 * key named by `keyId`; it covers the skeleton and the payload's keyed hash, never the
 * payload itself, so retention can erase a payload and the chain still verifies. The end
 * user is in the chain only as a keyed pseudonym; the clear id sits outside it, so it can
 * be erased.
 */
import type { CheckResult, FinishReason, Usage, Verdict } from '@sluice/protocol';
import type { JsonObject } from './canonical-json.ts';

export const AUDIT_RECORD_TYPES = [
  'request-accepted',
  'generation-started',
  'reader-session',
  // Written before reader sessions were aggregated; kept so older records still have a type.
  'reader-attached',
  'reader-detached',
  'reader-resumed',
  'generation-cancelled',
  'producer-taken-over',
  'redaction-applied',
  'generation-blocked',
  'final-verdict',
  'review-decided',
  'policy-published',
  'policy-rolled-back',
  'policy-bound',
  'policy-unbound',
  'api-key-created',
  'api-key-revoked',
  'content-deleted',
  'retention-purged',
] as const;
export type AuditRecordType = (typeof AUDIT_RECORD_TYPES)[number];

/**
 * The payload each record type carries. Payloads hold references and measurements, not
 * content: hashes of requests and answers, offsets, counts. A redaction names the kind
 * and the count, never the value (enforced on append).
 */
export type AuditPayloads = {
  'request-accepted': {
    model: string;
    policyVersion: string;
    modelConfigurationVersion?: string;
    /**
     * The request's SHA-256 as the caller gives it; the log stores an HMAC of it under the
     * record's audit key, so a short prompt cannot be confirmed by hashing guesses.
     */
    requestSha256: string;
    route?: string;
  };
  'generation-started': {
    model: string;
    provider: string;
    policyVersion: string;
    modelConfigurationVersion?: string;
  };
  /**
   * One reader session: a read of a generation's log by one API key over one transport,
   * or, once the key is past its rate of reader records, every such read in a minute.
   */
  'reader-session': {
    readerId: string;
    transport: string;
    /** Reads folded into this record (1 for a single read). */
    reads: number;
    /** Reads that started past the beginning of the log. */
    resumed: number;
    /** Where the first read started. */
    fromOffset: string;
    /** The furthest offset a read reached. */
    offset: string;
    /** Why the reads ended, with how many ended so. */
    reasons: Record<string, number>;
    attachedAt: string;
    detachedAt: string;
  };
  'reader-attached': { readerId: string; transport: string; offset: string };
  'reader-detached': { readerId: string; transport: string; offset: string; reason?: string };
  'reader-resumed': { readerId: string; transport: string; fromOffset: string };
  'generation-cancelled': { reason: string; offset?: string };
  /**
   * A node took over a generation whose producer was lost (its node died): it `continued`
   * the answer after a seam, `interrupted` it, or only `finalized` one that had ended.
   */
  'producer-taken-over': {
    node: string;
    action: 'continued' | 'interrupted' | 'finalized';
    deliveredCharacters: number;
  };
  /**
   * `scope` is absent for answer and reasoning text. For tool-call arguments, `action` says
   * what the policy did: `redacted`, or `detected` (released unchanged, `toolArguments: pass`).
   */
  'redaction-applied': {
    kind: string;
    count: number;
    scope?: 'tool-arguments';
    action?: 'redacted' | 'detected';
  };
  'generation-blocked': { rule: string; reason?: string; offset?: string };
  'final-verdict': {
    verdict: Verdict;
    checks: CheckResult[];
    contentSha256: string;
    policyVersion: string;
    model: string;
    finishReason?: FinishReason;
    usage?: Usage;
    /** The tools called, by name and call id; never their arguments. */
    toolCalls?: Array<{ toolCallId: string; toolName: string }>;
  };
  'review-decided': {
    reviewItemId: string;
    decision: 'approved' | 'rejected';
    note: string;
  };
  'policy-published': { name: string; version: number; documentSha256: string };
  'policy-rolled-back': { name: string; fromVersion: number; toVersion: number };
  'policy-bound': { policyName: string; model?: string; route?: string };
  'policy-unbound': { policyName: string; model?: string; route?: string };
  /** Never the key or its hash: which key, whose, and what it may do. */
  'api-key-created': { keyId: string; tenant: string; name: string; scopes: string[] };
  'api-key-revoked': { keyId: string; tenant: string };
  'content-deleted': {
    /** A session's content, or an end user's (whose clear id is then erased too). */
    scope: 'session' | 'end-user';
    generationIds: string[];
    purgedAuditPayloads: number;
    /** End-user scope: the pseudonyms whose clear ids were erased (now unlinkable). */
    endUserPseudonyms?: string[];
    reason?: string;
  };
  'retention-purged': { cutoff: string; purgedCount: number };
};

/** Who and what a record is about; every field is optional and indexed for export. */
export type AuditRecordContext = {
  tenant?: string;
  /** The caller, reviewer or operator that caused the record. */
  actor?: string;
  generationId?: string;
  sessionId?: string;
  /** In clear on the way in; the log keeps a keyed pseudonym in the chain instead. */
  endUserId?: string;
};

export type AuditRecordInput = {
  [Type in AuditRecordType]: AuditRecordContext & { type: Type; payload: AuditPayloads[Type] };
}[AuditRecordType];

export type AuditRecord = Omit<AuditRecordContext, 'endUserId'> & {
  /** Position in the chain, from 1, without gaps. */
  sequence: number;
  id: string;
  /** ISO 8601. */
  recordedAt: string;
  type: AuditRecordType;
  /**
   * The audit key the record's hashes are keyed with. Absent only on records written
   * before the chain was keyed (plain SHA-256), which may only precede keyed ones.
   */
  keyId?: string;
  /** The end user as the chain covers it: a keyed pseudonym, per tenant and end user. */
  endUserPseudonym?: string;
  /**
   * The end user in clear while not erased. Outside the chain (a lookup aid, not
   * evidence), except on records from before the chain was keyed.
   */
  endUserId?: string;
  /** null once retention or a data-subject deletion erased it. */
  payload: JsonObject | null;
  /** HMAC-SHA-256 of the canonical payload under the record's key (SHA-256 before keys). */
  payloadSha256: string;
  previousHash: string;
  hash: string;
};

export type AuditBreakReason =
  | 'hash-mismatch'
  | 'previous-hash-mismatch'
  | 'payload-hash-mismatch'
  /** A payload is gone but no retention or deletion record says it was erased. */
  | 'payload-missing'
  | 'sequence-gap'
  /** Keyed with a key this verifier does not hold (add it to the previous keys). */
  | 'unknown-key'
  /** An unkeyed (legacy) record after keyed ones: nobody without the key wrote it here. */
  | 'unkeyed-record';

/** How the end of the chain compares with the latest checkpoint written outside it. */
export type AuditCheckpointProblem =
  /** The chain is shorter than the checkpoint: records were removed from its end. */
  | 'truncated'
  /** The record at the checkpoint's sequence is not the one checkpointed: rewritten. */
  | 'checkpoint-mismatch'
  /** The checkpoint is unreadable or not signed by a known audit key. */
  | 'checkpoint-invalid'
  /** Records exist but no checkpoint does: removal of the end cannot be ruled out. */
  | 'checkpoint-missing';

export type AuditCheckpointState =
  | { status: 'matched'; sequence: number; keyId: string; writtenAt: string }
  /** No checkpoint and no record: nothing to anchor. */
  | { status: 'empty' }
  /** This log writes no checkpoints (an in-memory database): truncation is not detected. */
  | { status: 'not-configured' };

export type AuditVerification =
  | {
      ok: true;
      /** Records verified. */
      count: number;
      /** Hash of the last record (the genesis hash when empty). */
      headHash: string;
      checkpoint: AuditCheckpointState;
    }
  | {
      ok: false;
      /** Records verified intact (before the broken one, or all of them). */
      count: number;
      /** One line saying what is wrong, e.g. "the chain ends at 41 but the checkpoint says 57". */
      message: string;
      /** The first record at fault, when a record is. */
      firstBroken?: { sequence: number; id: string; reason: AuditBreakReason };
      /** When the records verify but their end does not match the checkpoint. */
      checkpointProblem?: AuditCheckpointProblem;
    };

/**
 * Export and data-subject selection. A session or end user selects the records that
 * carry it and every record of the generations those records name, so per-reader records
 * that only carry a generation id are included. `tenant` keeps the selection within one
 * tenant (session and end-user ids are the tenants' own, so two tenants may share one);
 * absent, it spans every tenant — for a gateway-wide operator who asked for that.
 */
export type AuditExportSelector = (
  | { sessionId: string }
  | { endUserId: string }
  | { generationId: string }
) & { tenant?: string };

/**
 * A data-subject deletion: a session's or an end user's. An end user's also erases their
 * clear id (and with it the only way to link their pseudonym back to them).
 */
export type AuditTombstoneInput = ({ sessionId: string } | { endUserId: string }) & {
  actor: string;
  /** The tenant whose subject it is; absent, every tenant's (an explicit operator request). */
  tenant?: string;
  /** The generations whose stream content was deleted. */
  generationIds?: string[];
  reason?: string;
  /** Also erase the audit payloads of the subject's records (skeletons stay). Default false. */
  purgeAuditPayloads?: boolean;
};

export type AuditPurgeResult = {
  /** Payloads erased. */
  purgedCount: number;
  /** The `retention-purged` record, when anything was purged. */
  record?: AuditRecord;
};

export type AuditListOptions = {
  /** Records after this sequence; 0 (default) starts at the first. */
  afterSequence?: number;
  /** Default 100, at most 1,000. */
  limit?: number;
  generationId?: string;
};
