/**
 * What both audit logs (SQLite and PostgreSQL) say about a data-subject deletion: which
 * subject a selector names, and the `content-deleted` tombstone recorded with the purge —
 * one shape, so erasure verifies the same way on either backend.
 */
import type { AuditRecordInput, AuditTombstoneInput } from './audit-record.ts';
import type { AuditSubjectKind } from './sqlite-audit-subjects.ts';

export function subjectOf(
  selector: { sessionId: string } | { endUserId: string } | { generationId: string },
): { kind: AuditSubjectKind; subject: string } {
  if ('sessionId' in selector) return { kind: 'session', subject: selector.sessionId };
  if ('endUserId' in selector) return { kind: 'end-user', subject: selector.endUserId };
  return { kind: 'generation', subject: selector.generationId };
}

export interface Tombstone {
  input: AuditTombstoneInput;
  kind: AuditSubjectKind;
  subject: string;
  generationIds: string[];
  purgedAuditPayloads: number;
  /** The end user's pseudonyms (never the clear id). */
  pseudonyms: readonly string[];
}

export function contentDeletedRecord(tombstone: Tombstone): AuditRecordInput {
  const { input, kind, subject, generationIds, purgedAuditPayloads, pseudonyms } = tombstone;
  const { tenant } = input;
  return {
    type: 'content-deleted',
    actor: input.actor,
    ...(tenant === undefined ? {} : { tenant }),
    ...(kind === 'session' ? { sessionId: subject } : {}),
    payload: {
      scope: kind === 'session' ? 'session' : 'end-user',
      generationIds,
      purgedAuditPayloads,
      ...(kind === 'end-user' ? { endUserPseudonyms: [...pseudonyms] } : {}),
      ...(input.reason === undefined ? {} : { reason: input.reason }),
    },
  };
}
