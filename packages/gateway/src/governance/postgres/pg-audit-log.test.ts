/**
 * The PostgreSQL audit log: the shared conformance suite, one chain written by two nodes
 * (two pools) at once, and tampering by someone with database access but not the key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FileAuditCheckpointStore } from '../audit/audit-checkpoint-file.ts';
import { AuditKey, AuditKeyring } from '../audit/audit-keyring.ts';
import { runAuditLogConformance } from '../audit/audit-log-conformance.ts';
import type { AuditRecordInput } from '../audit/audit-record.ts';
import { openPgGovernancePool } from './open-pg-governance-pool.ts';
import { PgAuditLog } from './pg-audit-log.ts';
import { createPgTestDatabase, type PgTestDatabase } from './pg-test-database.ts';

let database: PgTestDatabase;

beforeAll(async () => {
  database = await createPgTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

function openPool(schema: string): Promise<Pool> {
  return openPgGovernancePool({ url: database.url, schema, maxConnections: 4 });
}

runAuditLogConformance('postgres', async ({ now }) => {
  const pool = await openPool(database.nextSchema());
  const auditLog = await PgAuditLog.open(pool, { now });
  return {
    auditLog,
    close: async () => {
      await auditLog.flush();
      await pool.end();
    },
  };
});

runAuditLogConformance('postgres with checkpoints', async ({ now }) => {
  const pool = await openPool(database.nextSchema());
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pg-audit-'));
  const auditLog = await PgAuditLog.open(pool, {
    now,
    checkpoints: new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json')),
  });
  return {
    auditLog,
    close: async () => {
      await auditLog.flush();
      await pool.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

const KEYRING = new AuditKeyring(new AuditKey('k1', Buffer.alloc(32, 7)));

function cancellation(node: string, index: number): AuditRecordInput {
  return {
    type: 'generation-cancelled',
    generationId: `generation-${node}-${index}`,
    endUserId: `user-${index % 3}`,
    payload: { reason: `${node}:${index}` },
  };
}

describe('PgAuditLog on several nodes', () => {
  test('two nodes appending at once leave one chain that verifies', async () => {
    const schema = database.nextSchema();
    const pools = [await openPool(schema), await openPool(schema)];
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pg-audit-'));
    const checkpoints = new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json'));
    try {
      const [nodeA, nodeB] = await Promise.all(
        pools.map((pool) =>
          PgAuditLog.open(pool, { keyring: KEYRING, checkpoints, checkpointIntervalMs: 0 }),
        ),
      );
      const nodes = { a: nodeA as PgAuditLog, b: nodeB as PgAuditLog };
      // Each node appends in bursts over many event-loop turns, so their batches interleave.
      const appended = await Promise.all(
        Object.entries(nodes).map(async ([node, auditLog]) => {
          const records = [];
          for (let burst = 0; burst < 20; burst += 1) {
            const batch = Array.from({ length: 10 }, (_, index) =>
              auditLog.append(cancellation(node, burst * 10 + index)),
            );
            records.push(...(await Promise.all(batch)));
          }
          return records;
        }),
      );
      // Within a node, call order holds; across nodes, sequences never collide.
      for (const records of appended) {
        const sequences = records.map((record) => record.sequence);
        expect(sequences).toEqual([...sequences].sort((left, right) => left - right));
      }
      const all = appended.flat().map((record) => record.sequence);
      expect(new Set(all).size).toBe(400);
      expect(Math.max(...all)).toBe(400);
      const listed = await nodes.a.list({ limit: 1_000 });
      const writers = new Set(
        listed.slice(0, 200).map((record) => String(record.payload?.reason).split(':')[0]),
      );
      // Interleaved: the first half of the chain holds records of both nodes.
      expect(writers).toEqual(new Set(['a', 'b']));
      // The same end user gets one pseudonym, whichever node saw them first.
      const pseudonyms = new Set(
        listed.filter((record) => record.endUserId === 'user-1').map((r) => r.endUserPseudonym),
      );
      expect(pseudonyms.size).toBe(1);
      for (const auditLog of Object.values(nodes)) {
        await expect(auditLog.verify()).resolves.toMatchObject({
          ok: true,
          count: 400,
          checkpoint: { status: 'matched' },
        });
      }
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a tombstone on one node and appends on another keep one chain', async () => {
    const schema = database.nextSchema();
    const pools = [await openPool(schema), await openPool(schema)];
    try {
      const nodeA = await PgAuditLog.open(pools[0] as Pool, { keyring: KEYRING });
      const nodeB = await PgAuditLog.open(pools[1] as Pool, { keyring: KEYRING });
      await Promise.all(
        Array.from({ length: 30 }, (_, index) => nodeA.append(cancellation('a', index))),
      );
      await Promise.all([
        ...Array.from({ length: 30 }, (_, index) => nodeB.append(cancellation('b', index))),
        nodeA.recordTombstone({ endUserId: 'user-1', actor: 'operator', purgeAuditPayloads: true }),
        nodeB.purgePayloads(new Date(Date.now() + 60_000), { actor: 'retention' }),
      ]);
      await expect(nodeA.verify()).resolves.toMatchObject({ ok: true, count: 62 });
      await expect(nodeB.verify()).resolves.toMatchObject({ ok: true, count: 62 });
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});

describe('PgAuditLog tampering', () => {
  test('an edited, re-hashed or deleted record is found', async () => {
    const pool = await openPool(database.nextSchema());
    try {
      const auditLog = await PgAuditLog.open(pool, { keyring: KEYRING });
      for (let index = 0; index < 5; index += 1) await auditLog.append(cancellation('a', index));
      // The triggers stop careless writers.
      await expect(pool.query('DELETE FROM audit_records WHERE sequence = 5')).rejects.toThrow(
        /append-only/,
      );
      await expect(pool.query('TRUNCATE audit_records')).rejects.toThrow(/append-only/);
      await expect(
        pool.query(`UPDATE audit_records SET payload = '{"reason":"x"}' WHERE sequence = 2`),
      ).rejects.toThrow(/only be purged/);
      // Someone who drops the triggers still cannot re-hash without the key.
      await pool.query(
        'ALTER TABLE audit_records DISABLE TRIGGER audit_records_payload_purge_only',
      );
      await pool.query(`UPDATE audit_records SET payload = '{"reason":"x"}' WHERE sequence = 3`);
      await expect(auditLog.verify()).resolves.toMatchObject({
        ok: false,
        firstBroken: { sequence: 3, reason: 'payload-hash-mismatch' },
      });
    } finally {
      await pool.end();
    }
  });

  test('records cut from the end are found against the checkpoint', async () => {
    const pool = await openPool(database.nextSchema());
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pg-audit-'));
    try {
      const auditLog = await PgAuditLog.open(pool, {
        keyring: KEYRING,
        checkpoints: new FileAuditCheckpointStore(join(dataDir, 'audit-checkpoint.json')),
      });
      for (let index = 0; index < 5; index += 1) await auditLog.append(cancellation('a', index));
      await auditLog.flush();
      // Whoever drops the trigger and cuts the end, head row included, leaves a valid chain…
      await pool.query('ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only');
      await pool.query('DELETE FROM audit_records WHERE sequence > 3');
      await pool.query(
        'UPDATE audit_chain_head SET sequence = 3, hash = (SELECT hash FROM audit_records WHERE sequence = 3)',
      );
      // …that the checkpoint kept outside the database shows to be too short.
      await expect(auditLog.verify()).resolves.toMatchObject({
        ok: false,
        count: 3,
        checkpointProblem: 'truncated',
      });
    } finally {
      await pool.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('opening a database newer than this build fails, naming the backend without the password', async () => {
    const schema = database.nextSchema();
    const pool = await openPool(schema);
    await pool.query('INSERT INTO schema_migrations (version) VALUES (99)');
    await pool.end();
    await expect(openPool(schema)).rejects.toThrow(/schema version 99/);
    const unreachable = 'postgres://sluice:hunter2@127.0.0.1:1/nowhere';
    const failure = openPgGovernancePool({ url: unreachable });
    await expect(failure).rejects.toThrow(
      /PostgreSQL governance database at postgres:\/\/sluice:\*\*\*@127\.0\.0\.1:1\/nowhere/,
    );
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});
