/**
 * A database from before keyed chains: its unkeyed records (plain SHA-256, end-user id in
 * clear) still verify after the migration, keyed records follow them, and an unkeyed
 * record is accepted only before the first keyed one.
 */
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, test } from 'vitest';
import { GOVERNANCE_MIGRATIONS } from '../database/governance-schema.ts';
import { migrateGovernanceDatabase } from '../database/migrate-governance-database.ts';
import type { AuditRecordSkeleton } from './audit-hash.ts';
import { GENESIS_HASH, hashAuditPayload, hashLegacyAuditRecord } from './audit-hash.ts';
import { AuditKey, AuditKeyring } from './audit-keyring.ts';
import { canonicalJson } from './canonical-json.ts';
import { SqliteAuditLog } from './sqlite-audit-log.ts';

const KEYRING = new AuditKeyring(new AuditKey('k1', Buffer.alloc(32, 3)));

/** Inserts an unkeyed record as the previous release wrote it; returns its hash. */
function insertLegacy(database: DatabaseSync, sequence: number, previousHash: string): string {
  const payload = canonicalJson({ reason: 'client' });
  const skeleton: AuditRecordSkeleton = {
    sequence,
    id: `legacy-${sequence}`,
    recordedAt: '2025-01-01T00:00:00.000Z',
    type: 'generation-cancelled',
    tenant: 'acme',
    generationId: `generation-${sequence}`,
    endUserId: 'user-1',
    payloadSha256: hashAuditPayload(payload),
    previousHash,
  };
  const hash = hashLegacyAuditRecord(skeleton);
  database
    .prepare(
      `INSERT INTO audit_records (sequence, id, recorded_at, type, tenant, generation_id,
         end_user_id, payload, payload_sha256, previous_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      sequence,
      skeleton.id,
      skeleton.recordedAt,
      skeleton.type,
      'acme',
      skeleton.generationId ?? null,
      'user-1',
      payload,
      skeleton.payloadSha256,
      previousHash,
      hash,
    );
  return hash;
}

describe('a chain from before keys', () => {
  test('verifies after the migration, with keyed records after it', async () => {
    const database = new DatabaseSync(':memory:');
    migrateGovernanceDatabase(database, GOVERNANCE_MIGRATIONS.slice(0, 2));
    const first = insertLegacy(database, 1, GENESIS_HASH);
    insertLegacy(database, 2, first);
    migrateGovernanceDatabase(database);
    const auditLog = new SqliteAuditLog(database, { keyring: KEYRING });
    await auditLog.append({ type: 'generation-cancelled', payload: { reason: 'client' } });
    const records = await auditLog.list();
    expect(records.map((record) => [record.keyId, record.endUserId])).toEqual([
      [undefined, 'user-1'],
      [undefined, 'user-1'],
      ['k1', undefined],
    ]);
    await expect(auditLog.exportBy({ endUserId: 'user-1', tenant: 'acme' })).resolves.toHaveLength(
      2,
    );
    await expect(auditLog.verify()).resolves.toMatchObject({ ok: true, count: 3 });

    const head = records.at(-1)?.hash ?? '';
    insertLegacy(database, 4, head);
    await expect(auditLog.verify()).resolves.toMatchObject({
      ok: false,
      count: 3,
      firstBroken: { sequence: 4, reason: 'unkeyed-record' },
    });
    database.close();
  });
});
