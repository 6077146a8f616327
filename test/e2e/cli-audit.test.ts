/**
 * `sluice audit` as a child process on a real data directory: exit codes, the one-line
 * verification result naming a tampered record, and JSON export.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { governanceDatabasePath } from '../../packages/gateway/src/governance/database/open-governance-database.ts';
import { openSqliteGovernance } from '../../packages/gateway/src/governance/database/open-sqlite-governance.ts';
import { sluice } from '../helpers/sluice-cli.ts';

describe('sluice audit', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-audit-cli-'));
    const stores = openSqliteGovernance({
      location: { dataDir },
      validatePolicy: (document) => ({ ok: true, value: document }),
    });
    await stores.auditLog.append({
      type: 'request-accepted',
      generationId: 'generation-1',
      sessionId: 'session-1',
      endUserId: 'user-1',
      payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'a' },
    });
    await stores.auditLog.append({
      type: 'redaction-applied',
      generationId: 'generation-1',
      payload: { kind: 'email', count: 2 },
    });
    await stores.auditLog.append({
      type: 'request-accepted',
      generationId: 'generation-2',
      sessionId: 'session-2',
      endUserId: 'user-1',
      payload: { model: 'simulator', policyVersion: 'default@1', requestSha256: 'b' },
    });
    await stores.close();
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('verify prints one line and exits 0 on an intact chain', async () => {
    const result = await sluice(['audit', 'verify', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^audit chain ok: 3 records, head [0-9a-f]{64}\n$/);
  });

  test('verify names the edited record and exits 1', async () => {
    const database = new DatabaseSync(governanceDatabasePath(dataDir));
    const { id } = database.prepare('SELECT id FROM audit_records WHERE sequence = 2').get() as {
      id: string;
    };
    database.exec('DROP TRIGGER audit_records_payload_purge_only');
    database.exec(
      `UPDATE audit_records SET payload = '{"count":0,"kind":"email"}' WHERE sequence = 2`,
    );
    database.close();
    const result = await sluice(['audit', 'verify', '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      `audit chain broken at record 2 (${id}): payload-hash-mismatch; 1 records verified before it\n`,
    );
  });

  test('export prints the JSON records of a session or an end user', async () => {
    const bySession = await sluice([
      'audit',
      'export',
      '--session',
      'session-1',
      '--data-dir',
      dataDir,
    ]);
    expect(bySession.code).toBe(0);
    const records = JSON.parse(bySession.stdout) as Array<{ sequence: number; type: string }>;
    expect(records.map((record) => [record.sequence, record.type])).toEqual([
      [1, 'request-accepted'],
      [2, 'redaction-applied'],
    ]);
    const byEndUser = await sluice([
      'audit',
      'export',
      '--end-user',
      'user-1',
      '--data-dir',
      dataDir,
    ]);
    expect((JSON.parse(byEndUser.stdout) as unknown[]).length).toBe(3);
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
    expect(purged).toMatchObject({ code: 0, stdout: 'purged 3 audit payloads\n' });
    const verified = await sluice(['audit', 'verify', '--data-dir', dataDir]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/ok: 4 records/);
  });

  test('usage errors exit 2; a missing database exits 1', async () => {
    await expect(sluice(['audit'])).resolves.toMatchObject({ code: 2 });
    await expect(sluice(['audit', 'verify', '--bogus'])).resolves.toMatchObject({ code: 2 });
    await expect(
      sluice(['audit', 'export', '--session', 's', '--end-user', 'u', '--data-dir', dataDir]),
    ).resolves.toMatchObject({ code: 2 });
    const missing = await sluice(['audit', 'verify', '--data-dir', join(dataDir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No governance database/);
  });
});
