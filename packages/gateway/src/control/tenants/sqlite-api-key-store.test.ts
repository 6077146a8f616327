/**
 * The SQLite API key store: the shared conformance suite; every outcome of
 * `authenticate` hashing and comparing alike; revocation by another connection (the CLI)
 * seen within the cache lifetime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { openGovernanceDatabase } from '../../governance/database/open-governance-database.ts';
import { hashApiKeySecret } from './api-key-format.ts';
import { runApiKeyStoreConformance } from './api-key-store-conformance.ts';
import { SqliteApiKeyStore } from './sqlite-api-key-store.ts';

runApiKeyStoreConformance('sqlite in memory', () => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  return {
    keys: new SqliteApiKeyStore({ database }),
    rawRows: async () =>
      database.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[],
    close: () => database.close(),
  };
});

runApiKeyStoreConformance('sqlite without cache', () => {
  const database = openGovernanceDatabase({ path: ':memory:' });
  return {
    keys: new SqliteApiKeyStore({ database, cacheTtlMilliseconds: 0 }),
    rawRows: async () =>
      database.prepare('SELECT * FROM api_keys').all() as Record<string, unknown>[],
    close: () => database.close(),
  };
});

describe('SqliteApiKeyStore', () => {
  test('unknown id, wrong secret, revoked and valid keys all hash once and compare once', async () => {
    const database = openGovernanceDatabase({ path: ':memory:' });
    try {
      const hashSecret = vi.fn(hashApiKeySecret);
      const compareHashes = vi.fn((presented: Buffer, stored: Buffer) => presented.equals(stored));
      const keys = new SqliteApiKeyStore({
        database,
        hashSecret,
        compareHashes,
        cacheTtlMilliseconds: 0,
      });
      const valid = await keys.create({ tenant: 'acme', name: 'valid', scopes: ['read'] });
      const revoked = await keys.create({ tenant: 'acme', name: 'revoked', scopes: ['read'] });
      await keys.revoke(revoked.id);
      const secret = valid.key.slice(-43);
      const presented = {
        unknownId: `sk-sluice-${'f'.repeat(16)}-${secret}`,
        wrongSecret: `${valid.key.slice(0, -43)}${'B'.repeat(43)}`,
        revoked: revoked.key,
        valid: valid.key,
      };
      for (const [outcome, key] of Object.entries(presented)) {
        hashSecret.mockClear();
        compareHashes.mockClear();
        const identity = await keys.authenticate(key);
        expect(identity === undefined, outcome).toBe(outcome !== 'valid');
        expect(hashSecret, outcome).toHaveBeenCalledTimes(1);
        expect(compareHashes, outcome).toHaveBeenCalledTimes(1);
        const [presentedHash, storedHash] = compareHashes.mock.calls[0] ?? [];
        expect(presentedHash?.length, outcome).toBe(32);
        expect(storedHash?.length, outcome).toBe(32);
      }
      // The real comparison is the constant-time one.
      const defaults = new SqliteApiKeyStore({ database });
      await expect(defaults.authenticate(valid.key)).resolves.toBeDefined();
    } finally {
      database.close();
    }
  });

  test('a revocation by another connection is seen once the cache lifetime has passed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-api-keys-'));
    const gatewayDatabase = openGovernanceDatabase({ dataDir });
    const cliDatabase = openGovernanceDatabase({ dataDir });
    try {
      let now = Date.parse('2025-01-01T00:00:00Z');
      const gateway = new SqliteApiKeyStore({
        database: gatewayDatabase,
        now: () => new Date(now),
        cacheTtlMilliseconds: 1_000,
      });
      const cli = new SqliteApiKeyStore({ database: cliDatabase });
      const created = await cli.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
      await expect(gateway.authenticate(created.key)).resolves.toBeDefined();
      await cli.revoke(created.id);
      now += 999;
      // Still within the lifetime: the cached lookup may answer.
      await expect(gateway.authenticate(created.key)).resolves.toBeDefined();
      now += 1;
      await expect(gateway.authenticate(created.key)).resolves.toBeUndefined();
    } finally {
      gatewayDatabase.close();
      cliDatabase.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the table refuses un-revoking and editing a key', async () => {
    const database = openGovernanceDatabase({ path: ':memory:' });
    try {
      const keys = new SqliteApiKeyStore({ database });
      const created = await keys.create({ tenant: 'acme', name: 'app', scopes: ['read'] });
      expect(() =>
        database.prepare(`UPDATE api_keys SET scopes = 'admin' WHERE id = ?`).run(created.id),
      ).toThrow(/only be revoked/);
      await keys.revoke(created.id);
      expect(() =>
        database.prepare('UPDATE api_keys SET revoked_at = NULL WHERE id = ?').run(created.id),
      ).toThrow(/only be revoked/);
    } finally {
      database.close();
    }
  });
});
