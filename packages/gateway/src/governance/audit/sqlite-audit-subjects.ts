/**
 * The SQL that selects a data subject's audit records — a session's, an end user's or a
 * generation's, within one tenant or (tenant NULL) all — for export, for finding the
 * subject's generations and for erasing payloads. A session or end user selects the
 * records carrying it plus every record of the generations those records name (reader
 * records carry only the generation). An end user is matched by pseudonym (`:pseudonyms`,
 * a JSON array) and, on records from before keyed chains, by the clear id.
 *
 * Statements are prepared once per kind; parameters are `:subject`, `:tenant`, and
 * `:pseudonyms` for end users.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ERASURE_RECORD_TYPES } from './audit-erasures.ts';
import { AUDIT_RECORD_SELECT } from './audit-record-row.ts';

export type AuditSubjectKind = 'session' | 'end-user' | 'generation';
const KINDS: readonly AuditSubjectKind[] = ['session', 'end-user', 'generation'];

/** Erasure records keep their payloads: they are what accounts for the others' absence. */
export const NOT_ERASURE_RECORD = `type NOT IN (${ERASURE_RECORD_TYPES.map((type) => `'${type}'`).join(', ')})`;

function column(alias: string, name: string): string {
  return alias === '' ? name : `${alias}.${name}`;
}

function carriesSubject(kind: AuditSubjectKind, alias: string): string {
  const at = (name: string) => column(alias, name);
  switch (kind) {
    case 'session':
      return `${at('session_id')} = :subject`;
    case 'generation':
      return `${at('generation_id')} = :subject`;
    case 'end-user':
      return `(${at('end_user_pseudonym')} IN (SELECT value FROM json_each(:pseudonyms))
        OR (${at('key_id')} IS NULL AND ${at('end_user_id')} = :subject))`;
  }
}

function inTenant(alias: string): string {
  return `(:tenant IS NULL OR ${column(alias, 'tenant')} = :tenant)`;
}

function selects(kind: AuditSubjectKind, alias: string): string {
  if (kind === 'generation') return `${carriesSubject(kind, alias)} AND ${inTenant(alias)}`;
  return `${inTenant(alias)} AND (${carriesSubject(kind, alias)} OR ${column(alias, 'generation_id')} IN (
    SELECT s.generation_id FROM audit_records s
    WHERE ${carriesSubject(kind, 's')} AND ${inTenant('s')} AND s.generation_id IS NOT NULL))`;
}

export interface AuditSubjectStatements {
  /** Every record of the subject, in sequence order. */
  export: StatementSync;
  /** The subject's generation ids, in order of first appearance. */
  generations: StatementSync;
  /** Erases the payloads of the subject's records and of `:generationIds` (JSON array). */
  purge: StatementSync;
}

export function prepareAuditSubjectStatements(
  database: DatabaseSync,
): Record<AuditSubjectKind, AuditSubjectStatements> {
  const statements = {} as Record<AuditSubjectKind, AuditSubjectStatements>;
  for (const kind of KINDS) {
    statements[kind] = {
      export: database.prepare(
        `${AUDIT_RECORD_SELECT} WHERE ${selects(kind, 'r')} ORDER BY r.sequence`,
      ),
      generations: database.prepare(
        `SELECT s.generation_id AS generationId FROM audit_records s
         WHERE ${carriesSubject(kind, 's')} AND ${inTenant('s')} AND s.generation_id IS NOT NULL
         GROUP BY s.generation_id ORDER BY min(s.sequence)`,
      ),
      purge: database.prepare(
        `UPDATE audit_records SET payload = NULL, payload_purged_at = :now
         WHERE payload IS NOT NULL AND ${NOT_ERASURE_RECORD} AND ${inTenant('')}
           AND (${carriesSubject(kind, '')}
             OR generation_id IN (SELECT value FROM json_each(:generationIds)))`,
      ),
    };
  }
  return statements;
}

/** The parameters of a subject's statements. */
export function subjectParameters(
  kind: AuditSubjectKind,
  subject: string,
  tenant: string | undefined,
  pseudonyms: readonly string[],
): Record<string, string | null> {
  return {
    subject,
    tenant: tenant ?? null,
    ...(kind === 'end-user' ? { pseudonyms: JSON.stringify(pseudonyms) } : {}),
  };
}
