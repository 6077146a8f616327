/**
 * The SQLite audit log: the shared conformance suite on an in-memory and a file database,
 * and tampering with the file through a second connection, as an intruder with the file
 * would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  governanceDatabasePath,
  openGovernanceDatabase,
} from '../database/open-governance-database.ts';
import { hashAuditRecord } from './audit-hash.ts';
import { runAuditLogConformance } from './audit-log-conformance.ts';
import type { AuditRecordInput } from './audit-record.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';

runAuditLogConformance('sqlite in memory', ({ now }) => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  return { auditLog: new SqliteAuditLog(database, { now }), close: () => database.close() };
});

runAuditLogConformance('sqlite file', ({ now }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
  const database = openGovernanceDatabase({ dataDir });
  return {
    auditLog: new SqliteAuditLog(database, { now }),
    close: () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

function cancellation(generationId: string, reason: string): AuditRecordInput {
  return { type: 'generation-cancelled', generationId, payload: { reason } };
}

describe('SqliteAuditLog on a file', () => {
  let dataDir: string;
  let database: DatabaseSync;
  let auditLog: SqliteAuditLog;
  /** A second connection, as someone editing the file directly would have. */
  let intruder: DatabaseSync;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
    database = openGovernanceDatabase({ dataDir });
    auditLog = new SqliteAuditLog(database);
    for (let index = 1; index <= 5; index += 1) {
      await auditLog.append(cancellation(`generation-${index}`, 'client'));
    }
    intruder = new DatabaseSync(governanceDatabasePath(dataDir));
  });

  afterEach(() => {
    intruder.close();
    database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function recordId(sequence: number): string {
    const row = intruder.prepare('SELECT id FROM audit_records WHERE sequence = ?').get(sequence);
    return (row as { id: string }).id;
  }

  function dropGuardTriggers(): void {
    // The triggers stop careless writers, not intruders; the chain has to catch this.
    for (const trigger of [
      'audit_records_append_only',
      'audit_records_skeleton_immutable',
      'audit_records_payload_purge_only',
    ]) {
      intruder.exec(`DROP TRIGGER ${trigger}`);
    }
  }

  test('triggers refuse ordinary edits and deletions', () => {
    expect(() =>
      intruder.exec(`UPDATE audit_records SET type = 'final-verdict' WHERE sequence = 2`),
    ).toThrow(/immutable/);
    expect(() =>
      intruder.exec(`UPDATE audit_records SET payload = '{}' WHERE sequence = 2`),
    ).toThrow(/only be purged/);
    expect(() => intruder.exec('DELETE FROM audit_records WHERE sequence = 2')).toThrow(
      /append-only/,
    );
  });

  test('an edited payload is named as a payload hash mismatch', async () => {
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET payload = '{"reason":"timeout"}' WHERE sequence = 3`);
    await expect(auditLog.verify()).resolves.toEqual({
      ok: false,
      count: 2,
      firstBroken: { sequence: 3, id: recordId(3), reason: 'payload-hash-mismatch' },
    });
  });

  test('an unparseable payload is named, not thrown on', async () => {
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET payload = 'not json' WHERE sequence = 4`);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      firstBroken: { sequence: 4, reason: 'payload-hash-mismatch' },
    });
  });

  test('an edited type is named as a hash mismatch', async () => {
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET type = 'final-verdict' WHERE sequence = 2`);
    await expect(auditLog.verify()).resolves.toEqual({
      ok: false,
      count: 1,
      firstBroken: { sequence: 2, id: recordId(2), reason: 'hash-mismatch' },
    });
  });

  test('a re-hashed edit breaks the link from the next record', async () => {
    dropGuardTriggers();
    const [, second] = await auditLog.list();
    if (second === undefined) throw new Error('missing record');
    const { payload: _payload, hash: _hash, ...skeleton } = second;
    const forged = hashAuditRecord({ ...skeleton, actor: 'someone-else' });
    intruder
      .prepare(`UPDATE audit_records SET actor = 'someone-else', hash = ? WHERE sequence = 2`)
      .run(forged);
    await expect(auditLog.verify()).resolves.toEqual({
      ok: false,
      count: 2,
      firstBroken: { sequence: 3, id: recordId(3), reason: 'previous-hash-mismatch' },
    });
  });

  test('a deleted record is named as a sequence gap at the next one', async () => {
    dropGuardTriggers();
    intruder.exec('DELETE FROM audit_records WHERE sequence = 3');
    await expect(auditLog.verify()).resolves.toEqual({
      ok: false,
      count: 2,
      firstBroken: { sequence: 4, id: recordId(4), reason: 'sequence-gap' },
    });
  });

  test('a purged payload still verifies; a purged record with a forged hash does not', async () => {
    await auditLog.purgePayloads(new Date(Date.now() + 60_000));
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 6 });
    const reopened = new SqliteAuditLog(intruder);
    await expect(reopened.verify()).resolves.toMatchObject({ ok: true, count: 6 });
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET payload_sha256 = 'forged' WHERE sequence = 1`);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      firstBroken: { sequence: 1, reason: 'hash-mismatch' },
    });
  });

  test('two connections appending to one file keep one chain', async () => {
    const other = new SqliteAuditLog(intruder);
    const appends: Promise<unknown>[] = [];
    for (let index = 0; index < 20; index += 1) {
      const log = index % 2 === 0 ? auditLog : other;
      appends.push(log.append(cancellation(`generation-${index}`, 'client')));
    }
    await Promise.all(appends);
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 25 });
  });

  test('a verification longer than one chunk still names the broken record', async () => {
    await Promise.all(
      Array.from({ length: 4_500 }, (_, index) => auditLog.append(cancellation('g', `${index}`))),
    );
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 4_505 });
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET tenant = 'other' WHERE sequence = 4_321`);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 4_320,
      firstBroken: { sequence: 4_321, reason: 'hash-mismatch' },
    });
  });
});
