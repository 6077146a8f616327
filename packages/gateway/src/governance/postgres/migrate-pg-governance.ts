/**
 * Brings a PostgreSQL governance database up to the schema this build knows, at start.
 * Safe with every node starting at once: the whole run holds a transaction-scoped
 * advisory lock, and the applied versions (`schema_migrations`) are read under it, so
 * each migration runs exactly once and a node never sees half a schema. A migration and
 * its row in `schema_migrations` commit together (PostgreSQL DDL is transactional).
 */
import type { Pool } from 'pg';
import { GovernanceDatabaseError } from '../database/governance-database-error.ts';
import { PG_GOVERNANCE_MIGRATIONS } from './pg-governance-schema.ts';

/** Arbitrary, fixed: the advisory lock key every Sluice node uses for migrations. */
const MIGRATION_LOCK_KEY = 0x51_75_69_63_65;

export interface MigratePgGovernanceOptions {
  /**
   * The schema the pool's `search_path` names, created under the lock if missing (two
   * nodes racing on `CREATE SCHEMA IF NOT EXISTS` can otherwise both try to create it).
   * Trusted: checked by the caller.
   */
  schema?: string;
  migrations?: readonly string[];
}

export async function migratePgGovernance(
  pool: Pool,
  options: MigratePgGovernanceOptions = {},
): Promise<number> {
  const migrations = options.migrations ?? PG_GOVERNANCE_MIGRATIONS;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    if (options.schema !== undefined) {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${options.schema}`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    );
    const current = rows[0]?.version ?? 0;
    if (current > migrations.length) {
      throw new GovernanceDatabaseError(
        `The PostgreSQL governance database has schema version ${current}; this Sluice knows up to ${migrations.length}`,
      );
    }
    for (let index = current; index < migrations.length; index += 1) {
      await client.query(migrations[index] as string);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [index + 1]);
    }
    await client.query('COMMIT');
    return migrations.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      // The connection is already broken; the original error is the one to report.
    });
    throw error;
  } finally {
    client.release();
  }
}
