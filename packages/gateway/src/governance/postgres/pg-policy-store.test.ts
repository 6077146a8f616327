/**
 * The PostgreSQL policy store: the shared conformance suite, immutability of published
 * versions, a change and its audit record rolled back together, and two nodes publishing
 * at once numbering versions without gaps or duplicates.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  runPolicyStoreConformance,
  validateTestPolicy,
} from '../policies/policy-store-conformance.ts';
import { openPgGovernancePool } from './open-pg-governance-pool.ts';
import { PgAuditLog } from './pg-audit-log.ts';
import { PgPolicyStore } from './pg-policy-store.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

async function openNode(schema: string) {
  const pool = await openPgGovernancePool({ url: database.url, schema, maxConnections: 3 });
  const auditLog = await PgAuditLog.open(pool);
  const policies = new PgPolicyStore({ pool, auditLog, validate: validateTestPolicy });
  return { pool, auditLog, policies };
}

runPolicyStoreConformance('postgres', async () => {
  const { pool, auditLog, policies } = await openNode(database.nextSchema());
  return {
    policies,
    auditLog,
    close: async () => {
      await auditLog.flush();
      await pool.end();
    },
  };
});

describe('PgPolicyStore', () => {
  let pools: Pool[] = [];

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    pools = [];
  });

  test('published versions cannot be edited or deleted', async () => {
    const node = await openNode(database.nextSchema());
    pools.push(node.pool);
    await node.policies.publish('default', { redact: ['email'] }, 'alice');
    await expect(
      node.pool.query(`UPDATE policy_versions SET document = '{"redact":[]}'`),
    ).rejects.toThrow(/immutable/);
    await expect(node.pool.query('DELETE FROM policy_versions')).rejects.toThrow(/immutable/);
  });

  test('a failed change leaves neither the change nor its audit record', async () => {
    const node = await openNode(database.nextSchema());
    pools.push(node.pool);
    await node.policies.publish('default', { redact: ['email'] }, 'alice');
    await expect(node.policies.rollback('default', 1, 'bob')).rejects.toThrow(/active/);
    // A change whose transaction fails after its audit append takes the record with it.
    await expect(
      node.auditLog.transaction(async (client, append) => {
        await client.query(`UPDATE policies SET updated_at = 'changed' WHERE name = 'default'`);
        await append({ type: 'policy-bound', actor: 'bob', payload: { policyName: 'default' } });
        throw new Error('the change failed after its audit record');
      }),
    ).rejects.toThrow(/after its audit record/);
    await expect(node.auditLog.list()).resolves.toHaveLength(1);
    await expect(node.policies.policies()).resolves.toMatchObject([
      {
        name: 'default',
        activeVersion: 1,
        latestVersion: 1,
        updatedAt: expect.stringMatching(/^20/),
      },
    ]);
    // The chain head moved back with the transaction: the next record follows the first.
    const next = await node.auditLog.append({
      type: 'policy-bound',
      actor: 'bob',
      payload: { policyName: 'default' },
    });
    expect(next.sequence).toBe(2);
    await expect(node.auditLog.verify()).resolves.toMatchObject({ ok: true, count: 2 });
  });

  test('two nodes publishing at once number versions 1..n, each audited once', async () => {
    const schema = database.nextSchema();
    const nodes = [await openNode(schema), await openNode(schema)];
    pools.push(...nodes.map((node) => node.pool));
    const published = await Promise.all(
      nodes.flatMap((node, nodeIndex) =>
        Array.from({ length: 5 }, (_, index) =>
          node.policies.publish('default', { redact: [`n${nodeIndex}-${index}`] }, 'ops'),
        ),
      ),
    );
    expect(published.map((version) => version.version).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const audited = await (nodes[1] as (typeof nodes)[number]).auditLog.list();
    expect(audited.map((record) => record.payload?.version)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    await expect(nodes[0]?.auditLog.verify()).resolves.toMatchObject({ ok: true, count: 10 });
  });
});
