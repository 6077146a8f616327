/**
 * `sluice audit` as a child process on a real data directory (its key file and checkpoint
 * beside the database, as the gateway leaves them): exit codes, the one-line verification
 * result naming a tampered record, a truncated chain, a NULLed payload and a chain
 * re-hashed without the key; JSON export within a tenant or, when asked, across tenants.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  hashAuditPayload,
  hashLegacyAuditRecord,
} from '../../packages/gateway/src/governance/audit/audit-hash.ts';
import { auditKeyFilePath } from '../../packages/gateway/src/governance/audit/load-audit-keyring.ts';
import { governanceDatabasePath } from '../../packages/gateway/src/governance/database/open-governance-database.ts';
import { openSqliteGovernance } from '../../packages/gateway/src/governance/database/open-sqlite-governance.ts';
import { sluice } from '../helpers/sluice-cli.ts';

describe('sluice audit', () => {
  let dataDir: string;
  let ids: string[];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-cli-'));
    const stores = openSqliteGovernance({
      location: { dataDir },
      validatePolicy: (document) => ({ ok: true, value: document }),
      onWarning: () => {},
    });
    const records = [
      await stores.auditLog.append({
        type: 'request-accepted',
        tenant: 'acme',
        generationId: 'generation-1',
        sessionId: 'session-1',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a' },
      }),
      await stores.auditLog.append({
        type: 'redaction-applied',
        tenant: 'acme',
        generationId: 'generation-1',
        payload: { kind: 'email', count: 2 },
      }),
      await stores.auditLog.append({
        type: 'request-accepted',
        tenant: 'acme',
        generationId: 'generation-2',
        sessionId: 'session-2',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'b' },
      }),
      await stores.auditLog.append({
        type: 'request-accepted',
        tenant: 'globex',
        generationId: 'generation-3',
        sessionId: 'session-1',
        endUserId: 'user-1',
        payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'c' },
      }),
    ];
    ids = records.map((record) => record.id);
    await stores.close();
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A connection to the file without the guard triggers, as an intruder would have. */
  function intrude(work: (database: DatabaseSync) => void): void {
    const database = new DatabaseSync(governanceDatabasePath(dataDir));
    for (const trigger of ['append_only', 'skeleton_immutable', 'payload_purge_only']) {
      database.exec(`DROP TRIGGER audit_records_${trigger}`);
    }
    work(database);
    database.close();
  }

  const verify = () => sluice(['audit', 'verify', '--data-dir', dataDir]);

  test('verify prints one line and exits 0 on an intact chain', async () => {
    const result = await verify();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^audit chain ok: 4 records, head [0-9a-f]{64}, checkpoint at record 4\n$/,
    );
  });

  test('verify names the edited record and exits 1', async () => {
    intrude((database) =>
      database.exec(
        `UPDATE audit_records SET payload = '{"count":0,"kind":"email"}' WHERE sequence = 2`,
      ),
    );
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `audit chain broken: record 2 (${ids[1]}) fails: payload-hash-mismatch; 1 records before it verify\n`,
    );
  });

  test('verify reports the removal of the last records', async () => {
    intrude((database) => database.exec('DELETE FROM audit_records WHERE sequence > 2'));
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      'audit chain broken: the chain ends at 2 but the checkpoint says 4: records were removed from its end\n',
    );
  });

  test('verify fails a payload set to NULL without an erasure on record', async () => {
    const database = new DatabaseSync(governanceDatabasePath(dataDir));
    // The guard triggers allow it: it is what a purge does.
    database.exec('UPDATE audit_records SET payload = NULL WHERE sequence = 3');
    database.close();
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`record 3 (${ids[2]}) fails: payload-missing`);
  });

  test('verify fails a record re-hashed with plain SHA-256', async () => {
    intrude((database) => {
      const row = database
        .prepare('SELECT * FROM audit_records WHERE sequence = 4')
        .get() as Record<string, string | number | null>;
      const payload = '{"model":"other","policyVersion":"default@1","requestSha256":"c"}';
      const payloadSha256 = hashAuditPayload(payload);
      const hash = hashLegacyAuditRecord({
        sequence: 4,
        id: String(row.id),
        recordedAt: String(row.recorded_at),
        type: 'request-accepted',
        tenant: 'globex',
        generationId: 'generation-3',
        sessionId: 'session-1',
        payloadSha256,
        previousHash: String(row.previous_hash),
      });
      database
        .prepare(
          'UPDATE audit_records SET payload = ?, payload_sha256 = ?, hash = ?, key_id = NULL WHERE sequence = 4',
        )
        .run(payload, payloadSha256, hash);
    });
    const result = await verify();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('record 4');
    expect(result.stdout).toContain('unkeyed-record');
  });

  test('export prints JSON records within a tenant, or across tenants when asked', async () => {
    const exported = async (...args: string[]) => {
      const result = await sluice(['audit', 'export', ...args, '--data-dir', dataDir]);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as Array<{ sequence: number; tenant: string }>).map(
        (record) => [record.sequence, record.tenant],
      );
    };
    await expect(exported('--session', 'session-1', '--tenant', 'acme')).resolves.toEqual([
      [1, 'acme'],
      [2, 'acme'],
    ]);
    await expect(exported('--end-user', 'user-1', '--tenant', 'acme')).resolves.toEqual([
      [1, 'acme'],
      [2, 'acme'],
      [3, 'acme'],
    ]);
    await expect(exported('--end-user', 'user-1', '--all-tenants')).resolves.toHaveLength(4);
    await expect(exported('--generation', 'generation-3')).resolves.toEqual([[4, 'globex']]);
    const implied = await sluice([
      'audit',
      'export',
      '--end-user',
      'user-1',
      '--data-dir',
      dataDir,
    ]);
    expect(implied.code).toBe(2);
    expect(implied.stderr).toMatch(/--tenant T or --all-tenants/);
  });

  test('purge erases old payloads and the chain still verifies', async () => {
    const purged = await sluice([
      'audit',
      'purge',
      '--older-than-days',
      '0',
      '--data-dir',
      dataDir,
    ]);
    expect(purged).toMatchObject({ code: 0, stdout: 'purged 4 audit payloads\n' });
    const verified = await verify();
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/ok: 5 records, .*checkpoint at record 5/);
  });

  test('usage errors exit 2; a missing database or key exits 1', async () => {
    await expect(sluice(['audit'])).resolves.toMatchObject({ code: 2 });
    await expect(sluice(['audit', 'verify', '--bogus'])).resolves.toMatchObject({ code: 2 });
    await expect(
      sluice(['audit', 'export', '--session', 's', '--end-user', 'u', '--data-dir', dataDir]),
    ).resolves.toMatchObject({ code: 2 });
    const missing = await sluice(['audit', 'verify', '--data-dir', join(dataDir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No governance database/);
    rmSync(auditKeyFilePath(dataDir));
    const keyless = await verify();
    expect(keyless.code).toBe(1);
    expect(keyless.stderr).toMatch(/No audit key: set SLUICE_AUDIT_KEY/);
  });
});
