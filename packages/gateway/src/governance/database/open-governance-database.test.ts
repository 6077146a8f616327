/**
 * Opening and migrating the governance database: created with its directory, WAL on
 * files, migrations applied once, a newer schema refused.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GovernanceDatabaseError } from './governance-database-error.ts';
import { GOVERNANCE_MIGRATIONS } from './governance-schema.ts';
import { runImmediateTransaction } from './immediate-transaction.ts';
import { migrateGovernanceDatabase } from './migrate-governance-database.ts';
import { governanceDatabasePath, openGovernanceDatabase } from './open-governance-database.ts';
import { openSqliteGovernance } from './open-sqlite-governance.ts';

describe('openGovernanceDatabase', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sluice-database-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  test('creates the data directory and sluice.db in WAL mode at the latest schema', () => {
    const dataDir = join(root, 'nested', 'data');
    const database = openGovernanceDatabase({ dataDir });
    try {
      expect(existsSync(join(dataDir, 'sluice.db'))).toBe(true);
      expect(database.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(database.prepare('PRAGMA user_version').get()).toEqual({
        user_version: GOVERNANCE_MIGRATIONS.length,
      });
      expect(database.prepare('PRAGMA foreign_keys').get()).toEqual({ foreign_keys: 1 });
    } finally {
      database.close();
    }
  });

  test('reopening does not migrate again', () => {
    openGovernanceDatabase({ dataDir: root }).close();
    const database = openGovernanceDatabase({ dataDir: root });
    try {
      expect(migrateGovernanceDatabase(database)).toBe(GOVERNANCE_MIGRATIONS.length);
    } finally {
      database.close();
    }
  });

  test('a later migration applies on top of an existing database', () => {
    const database = openGovernanceDatabase({ path: ':memory:' });
    try {
      const next = [...GOVERNANCE_MIGRATIONS, 'CREATE TABLE later_addition (id INTEGER) STRICT;'];
      expect(migrateGovernanceDatabase(database, next)).toBe(next.length);
      expect(database.prepare('SELECT count(*) AS n FROM later_addition').get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }
  });

  test('a malformed SLUICE_AUDIT_KEY refuses to open, and leaves no connection behind', () => {
    expect(() =>
      openSqliteGovernance({
        location: { dataDir: root },
        validatePolicy: (document) => ({ ok: true, value: document }),
        env: { SLUICE_AUDIT_KEY: 'not-a-key' },
      }),
    ).toThrow(/SLUICE_AUDIT_KEY must be <keyId>:<base64/);
    expect(existsSync(join(root, 'audit-key'))).toBe(false);
  });

  test('a database from a newer Sluice is refused', () => {
    const path = governanceDatabasePath(root);
    const newer = new DatabaseSync(path);
    newer.exec(`PRAGMA user_version = ${GOVERNANCE_MIGRATIONS.length + 5}`);
    newer.close();
    expect(() => openGovernanceDatabase({ path })).toThrow(
      expect.toSatisfy(GovernanceDatabaseError.isInstance),
    );
  });

  test('a failed transaction rolls back and leaves the connection usable', () => {
    const database = openGovernanceDatabase({ path: ':memory:' });
    try {
      expect(() =>
        runImmediateTransaction(database, () => {
          database.exec(
            `INSERT INTO policy_versions VALUES ('p', 1, '{}', 'x', '2025-01-01T00:00:00Z', 'a')`,
          );
          throw new Error('abandon');
        }),
      ).toThrow('abandon');
      expect(database.isTransaction).toBe(false);
      expect(database.prepare('SELECT count(*) AS n FROM policy_versions').get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }
  });

  test('openSqliteGovernance wires the three stores to one database', async () => {
    const warnings: string[] = [];
    const stores = openSqliteGovernance({
      location: { dataDir: root },
      validatePolicy: (document) => ({ ok: true, value: document }),
      env: {},
      onWarning: (message) => warnings.push(message),
    });
    // No SLUICE_AUDIT_KEY: a key file beside the database, and a warning saying so.
    expect(existsSync(join(root, 'audit-key'))).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/in production set SLUICE_AUDIT_KEY/)]);
    await stores.policies.publish('default', { rules: [] }, 'alice');
    const item = await stores.reviews.enqueue({
      generationId: 'generation-1',
      model: 'simulator',
      policyVersion: 'default@1',
      verdict: 'flagged',
      checks: [],
      contentSha256: 'c',
    });
    await stores.reviews.decide(item.id, { decision: 'approved', reviewer: 'rita', note: '' });
    void stores.auditLog.append({
      type: 'generation-cancelled',
      generationId: 'generation-2',
      payload: { reason: 'client' },
    });
    await stores.close();
    await stores.close();
    const reopened = openSqliteGovernance({
      location: { dataDir: root },
      validatePolicy: (document) => ({ ok: true, value: document }),
      env: {},
      onWarning: () => {},
    });
    try {
      // Same key file, and the checkpoint written at close matches the chain.
      expect(existsSync(join(root, 'audit-checkpoint.json'))).toBe(true);
      await expect(reopened.auditLog.verify()).resolves.toMatchObject({
        ok: true,
        count: 3,
        checkpoint: { status: 'matched', sequence: 3 },
      });
    } finally {
      await reopened.close();
    }
  });
});
