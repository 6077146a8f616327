/**
 * The SQL that selects a data subject's audit records on PostgreSQL — the same selection
 * as SQLite's (`../audit/sqlite-audit-subjects.ts`), in PostgreSQL's dialect: a session
 * or end user selects the records carrying it plus every record of the generations those
 * records name, within one tenant or (tenant NULL) all. Parameters: `:subject`,
 * `:tenant`, `:pseudonyms` (`text[]`, end users), and for `purge` `:generationIds`
 * (`text[]`) and `:now`.
 */
import { AUDIT_RECORD_SELECT } from '../audit/audit-record-row.ts';
import { type AuditSubjectKind, NOT_ERASURE_RECORD } from '../audit/sqlite-audit-subjects.ts';
import { type NamedStatement, namedStatement } from './named-parameters.ts';

function column(alias: string, name: string): string {
  return alias === '' ? name : `${alias}.${name}`;
}

function carriesSubject(kind: AuditSubjectKind, alias: string): string {
  const at = (name: string) => column(alias, name);
  switch (kind) {
    case 'session':
      return `${at('session_id')} = :subject::text`;
    case 'generation':
      return `${at('generation_id')} = :subject::text`;
    case 'end-user':
      return `(${at('end_user_pseudonym')} = ANY(:pseudonyms::text[])
        OR (${at('key_id')} IS NULL AND ${at('end_user_id')} = :subject::text))`;
  }
}

function inTenant(alias: string): string {
  return `(:tenant::text IS NULL OR ${column(alias, 'tenant')} = :tenant::text)`;
}

function selects(kind: AuditSubjectKind, alias: string): string {
  if (kind === 'generation') return `${carriesSubject(kind, alias)} AND ${inTenant(alias)}`;
  return `${inTenant(alias)} AND (${carriesSubject(kind, alias)} OR ${column(alias, 'generation_id')} IN (
    SELECT s.generation_id FROM audit_records s
    WHERE ${carriesSubject(kind, 's')} AND ${inTenant('s')} AND s.generation_id IS NOT NULL))`;
}

export interface PgAuditSubjectStatements {
  /** Every record of the subject, in sequence order. */
  export: NamedStatement;
  /** The subject's generation ids, in order of first appearance. */
  generations: NamedStatement;
  /** Erases the payloads of the subject's records and of `:generationIds`. */
  purge: NamedStatement;
}

function statementsFor(kind: AuditSubjectKind): PgAuditSubjectStatements {
  return {
    export: namedStatement(
      `${AUDIT_RECORD_SELECT} WHERE ${selects(kind, 'r')} ORDER BY r.sequence`,
    ),
    generations: namedStatement(
      `SELECT s.generation_id AS "generationId" FROM audit_records s
       WHERE ${carriesSubject(kind, 's')} AND ${inTenant('s')} AND s.generation_id IS NOT NULL
       GROUP BY s.generation_id ORDER BY min(s.sequence)`,
    ),
    purge: namedStatement(
      `UPDATE audit_records SET payload = NULL, payload_purged_at = :now::text
       WHERE payload IS NOT NULL AND ${NOT_ERASURE_RECORD} AND ${inTenant('')}
         AND (${carriesSubject(kind, '')} OR generation_id = ANY(:generationIds::text[]))`,
    ),
  };
}

export const PG_AUDIT_SUBJECTS: Record<AuditSubjectKind, PgAuditSubjectStatements> = {
  session: statementsFor('session'),
  'end-user': statementsFor('end-user'),
  generation: statementsFor('generation'),
};
