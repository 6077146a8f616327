/**
 * The SQLite audit log: the shared conformance suite on an in-memory and a file database,
 * and tampering with the file through a second connection, as an intruder with the file
 * (but not the audit key) would: edits, deletions, NULLed payloads, rows re-hashed with
 * plain SHA-256, a whole chain rewritten, its end cut off.
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
import { FileAuditCheckpointStore } from './audit-checkpoint-file.ts';
import { hashAuditPayload, hashLegacyAuditRecord } from './audit-hash.ts';
import { AuditKey, AuditKeyring } from './audit-keyring.ts';
import { runAuditLogConformance } from './audit-log-conformance.ts';
import type { AuditRecord, AuditRecordInput } from './audit-record.ts';
import { canonicalJson } from './canonical-json.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';

runAuditLogConformance('sqlite in memory', ({ now }) => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  return { auditLog: new SqliteAuditLog(database, { now }), close: () => database.close() };
});

runAuditLogConformance('sqlite file', ({ now }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
  const database = openGovernanceDatabase({ dataDir });
  return {
    auditLog: new SqliteAuditLog(database, {
      now,
      checkpoints: new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json')),
    }),
    close: () => {
      database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

function cancellation(generationId: string, reason: string): AuditRecordInput {
  return { type: 'generation-cancelled', generationId, payload: { reason } };
}

const KEY = new AuditKeyring(new AuditKey('k1', Buffer.alloc(32, 1)));

describe('SqliteAuditLog on a file', () => {
  let dataDir: string;
  let database: DatabaseSync;
  let auditLog: SqliteAuditLog;
  /** A second connection, as someone editing the file directly would have. */
  let intruder: DatabaseSync;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-'));
    database = openGovernanceDatabase({ dataDir });
    auditLog = new SqliteAuditLog(database, {
      keyring: KEY,
      checkpoints: new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json')),
    });
    for (let index = 1; index <= 5; index += 1) {
      await auditLog.append(cancellation(`generation-${index}`, 'client'));
    }
    await auditLog.flush();
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

  /** What an intruder without the key can do: re-hash a record with plain SHA-256. */
  function rehashWithSha256(record: AuditRecord, changes: Partial<AuditRecord>): void {
    const forged = { ...record, ...changes };
    const payloadSha256 = hashAuditPayload(canonicalJson(forged.payload));
    const { payload: _payload, hash: _hash, ...skeleton } = { ...forged, payloadSha256 };
    intruder
      .prepare(
        `UPDATE audit_records SET payload = ?, payload_sha256 = ?, previous_hash = ?, hash = ?,
         key_id = ? WHERE sequence = ?`,
      )
      .run(
        canonicalJson(forged.payload),
        payloadSha256,
        forged.previousHash,
        hashLegacyAuditRecord(skeleton),
        forged.keyId ?? null,
        record.sequence,
      );
  }

  test('triggers refuse ordinary edits and deletions', () => {
    expect(() =>
      intruder.exec(`UPDATE audit_records SET type = 'final-verdict' WHERE sequence = 2`),
    ).toThrow(/immutable/);
    expect(() =>
      intruder.exec(`UPDATE audit_records SET key_id = NULL WHERE sequence = 2`),
    ).toThrow(/immutable/);
    expect(() =>
      intruder.exec(`UPDATE audit_records SET payload = '{}' WHERE sequence = 2`),
    ).toThrow(/only be purged/);
    expect(() => intruder.exec('DELETE FROM audit_records WHERE sequence = 2')).toThrow(
      /append-only/,
    );
  });

  test('an intact chain verifies against its checkpoint', async () => {
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: true,
      count: 5,
      checkpoint: { status: 'matched', sequence: 5, keyId: 'k1' },
    });
  });

  test('an edited payload is named as a payload hash mismatch', async () => {
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET payload = '{"reason":"timeout"}' WHERE sequence = 3`);
    await expect(auditLog.verify()).resolves.toMatchObject({
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

  test('a NULLed payload with no erasure on record fails (the guard triggers allow it)', async () => {
    intruder.exec('UPDATE audit_records SET payload = NULL WHERE sequence = 3');
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 2,
      message: expect.stringContaining('payload-missing'),
      firstBroken: { sequence: 3, id: recordId(3), reason: 'payload-missing' },
    });
  });

  test('an edited type is named as a hash mismatch', async () => {
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET type = 'final-verdict' WHERE sequence = 2`);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 1,
      firstBroken: { sequence: 2, id: recordId(2), reason: 'hash-mismatch' },
    });
  });

  test('a row re-hashed with plain SHA-256 fails, keyed or passed off as unkeyed', async () => {
    dropGuardTriggers();
    const records = await auditLog.list();
    const last = records[4] as AuditRecord;
    rehashWithSha256(last, { payload: { reason: 'timeout' } });
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 4,
      firstBroken: { sequence: 5, reason: 'payload-hash-mismatch' },
    });
    const { keyId: _keyId, ...unkeyed } = last;
    rehashWithSha256(unkeyed, { payload: { reason: 'timeout' } });
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 4,
      firstBroken: { sequence: 5, reason: 'unkeyed-record' },
    });
  });

  test('a whole chain rewritten and re-hashed verifies on its own, not against the checkpoint', async () => {
    dropGuardTriggers();
    let previousHash = '0'.repeat(64);
    for (const record of await auditLog.list()) {
      const { keyId: _keyId, ...unkeyed } = record;
      rehashWithSha256(unkeyed, { previousHash, payload: { reason: 'rewritten' } });
      const row = intruder.prepare('SELECT hash FROM audit_records WHERE sequence = ?');
      previousHash = (row.get(record.sequence) as { hash: string }).hash;
    }
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 5,
      checkpointProblem: 'checkpoint-mismatch',
      message: 'record 5 is not the one the checkpoint signed: the chain was rewritten',
    });
  });

  test('removing the last records is reported as truncation', async () => {
    dropGuardTriggers();
    intruder.exec('DELETE FROM audit_records WHERE sequence > 3');
    await expect(auditLog.verify()).resolves.toEqual({
      ok: false,
      count: 3,
      checkpointProblem: 'truncated',
      message: 'the chain ends at 3 but the checkpoint says 5: records were removed from its end',
    });
  });

  test('a truncated chain the gateway appends to again is still reported', async () => {
    dropGuardTriggers();
    intruder.exec('DELETE FROM audit_records WHERE sequence > 3');
    await auditLog.append(cancellation('generation-6', 'client'));
    await auditLog.flush();
    // The new head (4) never overwrites the checkpoint of 5, and record 4 is not the one signed.
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      checkpointProblem: 'truncated',
    });
    await auditLog.append(cancellation('generation-7', 'client'));
    await auditLog.flush();
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      checkpointProblem: 'checkpoint-mismatch',
    });
  });

  test('a re-hashed edit breaks the link from the next record', async () => {
    dropGuardTriggers();
    const [, second] = await auditLog.list();
    if (second === undefined) throw new Error('missing record');
    intruder
      .prepare(`UPDATE audit_records SET actor = 'someone-else', hash = ? WHERE sequence = 2`)
      .run('f'.repeat(64));
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 1,
      firstBroken: { sequence: 2, id: second.id, reason: 'hash-mismatch' },
    });
  });

  test('a deleted record is named as a sequence gap at the next one', async () => {
    dropGuardTriggers();
    intruder.exec('DELETE FROM audit_records WHERE sequence = 3');
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 2,
      firstBroken: { sequence: 4, id: recordId(4), reason: 'sequence-gap' },
    });
  });

  test('a purged payload still verifies; a purged record with a forged hash does not', async () => {
    await auditLog.purgePayloads(new Date(Date.now() + 60_000));
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 6 });
    const reopened = new SqliteAuditLog(intruder, { keyring: KEY });
    await expect(reopened.verify()).resolves.toMatchObject({ ok: true, count: 6 });
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET payload_sha256 = 'forged' WHERE sequence = 1`);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      firstBroken: { sequence: 1, reason: 'hash-mismatch' },
    });
  });

  test('two connections appending to one file keep one chain', async () => {
    const other = new SqliteAuditLog(intruder, { keyring: KEY });
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

  test('an edited clear end-user id is not what a keyed record shows', async () => {
    await auditLog.append({ ...cancellation('generation-6', 'client'), endUserId: 'user-1' });
    dropGuardTriggers();
    intruder.exec(`UPDATE audit_records SET end_user_id = 'someone-else' WHERE sequence = 6`);
    const [record] = await auditLog.list({ afterSequence: 5 });
    expect(record?.endUserId).toBe('user-1');
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true });
  });
});
