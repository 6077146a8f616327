/**
 * The PostgreSQL API key store: the shared conformance suite, with and without the
 * lookup cache, and a revocation made on one node seen by another once its cache expires.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runApiKeyStoreConformance } from '../../control/tenants/api-key-store-conformance.ts';
import { openPgGovernancePool } from './open-pg-governance-pool.ts';
import { PgApiKeyStore } from './pg-api-key-store.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

function openPool(schema: string): Promise<Pool> {
  return openPgGovernancePool({ url: database.url, schema, maxConnections: 2 });
}

for (const cacheTtlMilliseconds of [1_000, 0]) {
  runApiKeyStoreConformance(`postgres, cache ${cacheTtlMilliseconds} ms`, async () => {
    const pool = await openPool(database.nextSchema());
    return {
      keys: new PgApiKeyStore({ pool, cacheTtlMilliseconds }),
      rawRows: async () => (await pool.query('SELECT * FROM api_keys')).rows,
      close: () => pool.end(),
    };
  });
}

describe('PgApiKeyStore on several nodes', () => {
  test('a revocation on one node is seen on another once the cache lifetime has passed', async () => {
    const schema = database.nextSchema();
    const pools = [await openPool(schema), await openPool(schema)];
    let clock = new Date('2025-01-01T00:00:00.000Z');
    const now = () => clock;
    try {
      const nodeA = new PgApiKeyStore({ pool: pools[0] as Pool, now });
      const nodeB = new PgApiKeyStore({ pool: pools[1] as Pool, now });
      const created = await nodeA.create({ tenant: 'acme', name: 'billing', scopes: ['read'] });
      await expect(nodeB.authenticate(created.key)).resolves.toMatchObject({ tenant: 'acme' });
      await nodeA.revoke(created.id);
      await expect(nodeA.authenticate(created.key)).resolves.toBeUndefined();
      // Node B still has the lookup cached; it expires after the cache lifetime.
      await expect(nodeB.authenticate(created.key)).resolves.toBeDefined();
      clock = new Date(clock.getTime() + 1_001);
      await expect(nodeB.authenticate(created.key)).resolves.toBeUndefined();
      await expect(nodeB.list('acme')).resolves.toMatchObject([
        { id: created.id, revokedAt: '2025-01-01T00:00:00.000Z' },
      ]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
