/**
 * Opening the PostgreSQL governance stores: the shared audit key is required, the stores
 * share one pool (a review decision lands in the same chain as a policy change), and a
 * second node started against the same database migrates nothing twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateAuditKeyText } from '../audit/audit-keyring.ts';
import { validateTestPolicy } from '../policies/policy-store-conformance.ts';
import { flaggedFinal } from '../review/review-queue-conformance.ts';
import { openPgGovernance } from './open-pg-governance.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

describe('openPgGovernance', () => {
  test('refuses to start without SLUICE_AUDIT_KEY', async () => {
    await expect(
      openPgGovernance({ url: database.url, validatePolicy: validateTestPolicy, env: {} }),
    ).rejects.toThrow(/SLUICE_AUDIT_KEY/);
  });

  test('two nodes share the schema, one chain and one checkpoint', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pg-governance-'));
    const env = {
      SLUICE_AUDIT_KEY: generateAuditKeyText('shared'),
      SLUICE_AUDIT_CHECKPOINT_FILE: join(dataDir, 'audit-checkpoint.json'),
    };
    const schema = database.nextSchema();
    const warnings: string[] = [];
    const open = () =>
      openPgGovernance({
        url: database.url,
        schema,
        validatePolicy: validateTestPolicy,
        env,
        onWarning: (message) => warnings.push(message),
      });
    const [first, second] = await Promise.all([open(), open()]);
    try {
      const migrations = await first.pool.query('SELECT version FROM schema_migrations');
      expect(migrations.rows).toEqual([{ version: 1 }]);
      await first.policies.publish('default', { redact: ['email'] }, 'alice');
      const item = await second.reviews.enqueue(flaggedFinal('generation-1'));
      await second.reviews.decide(item.id, { decision: 'approved', reviewer: 'rita', note: '' });
      await second.apiKeys.create({ tenant: 'acme', name: 'billing', scopes: ['read'] });
      await expect(first.apiKeys.hasActiveKeys()).resolves.toBe(true);
      const records = await second.auditLog.list();
      expect(records.map((record) => record.type)).toEqual(['policy-published', 'review-decided']);
      await first.auditLog.flush();
      await expect(second.auditLog.verify()).resolves.toMatchObject({
        ok: true,
        count: 2,
        checkpoint: { status: 'matched' },
      });
      expect(warnings).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
