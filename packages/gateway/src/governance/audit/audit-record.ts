/**
 * What the audit log holds. A record is a skeleton (who, what, when, which generation,
 * session and end user) plus a JSON payload. The record hash covers the skeleton and the
 * payload's SHA-256, never the payload itself, so retention can erase a payload and the
 * chain still verifies.
 */
import type { CheckResult, FinishReason, Usage, Verdict } from '@sluice/protocol';
import type { JsonObject } from './canonical-json.ts';

export const AUDIT_RECORD_TYPES = [
  'request-accepted',
  'generation-started',
  'reader-attached',
  'reader-detached',
  'reader-resumed',
  'generation-cancelled',
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
    /** SHA-256 of the canonical request body. */
    requestSha256: string;
    route?: string;
  };
  'generation-started': {
    model: string;
    provider: string;
    policyVersion: string;
    modelConfigurationVersion?: string;
  };
  'reader-attached': { readerId: string; transport: string; offset: string };
  'reader-detached': { readerId: string; transport: string; offset: string; reason?: string };
  'reader-resumed': { readerId: string; transport: string; fromOffset: string };
  'generation-cancelled': { reason: string; offset?: string };
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
    scope: 'session';
    generationIds: string[];
    purgedAuditPayloads: number;
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
  endUserId?: string;
};

export type AuditRecordInput = {
  [Type in AuditRecordType]: AuditRecordContext & { type: Type; payload: AuditPayloads[Type] };
}[AuditRecordType];

export type AuditRecord = AuditRecordContext & {
  /** Position in the chain, from 1, without gaps. */
  sequence: number;
  id: string;
  /** ISO 8601. */
  recordedAt: string;
  type: AuditRecordType;
  /** null once retention or a data-subject deletion erased it. */
  payload: JsonObject | null;
  payloadSha256: string;
  previousHash: string;
  hash: string;
};

export type AuditBreakReason =
  | 'hash-mismatch'
  | 'previous-hash-mismatch'
  | 'payload-hash-mismatch'
  | 'sequence-gap';

export type AuditVerification =
  | {
      ok: true;
      /** Records verified. */
      count: number;
      /** Hash of the last record (the genesis hash when empty); anchor it elsewhere to detect truncation. */
      headHash: string;
    }
  | {
      ok: false;
      /** Records verified intact before the broken one. */
      count: number;
      firstBroken: { sequence: number; id: string; reason: AuditBreakReason };
    };

/**
 * Export and data-subject selection. A session or end user selects the records that
 * carry it and every record of the generations those records name, so per-reader records
 * that only carry a generation id are included.
 */
export type AuditExportSelector =
  | { sessionId: string }
  | { endUserId: string }
  | { generationId: string };

export type AuditTombstoneInput = {
  sessionId: string;
  actor: string;
  tenant?: string;
  endUserId?: string;
  /** The generations whose stream content was deleted. */
  generationIds?: string[];
  reason?: string;
  /** Also erase the audit payloads of the session's records (skeletons stay). Default false. */
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
