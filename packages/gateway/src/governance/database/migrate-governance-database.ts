/**
 * Brings a governance database up to the schema this build knows. Safe to run from
 * several processes at once (the gateway and the CLI): the version is re-read under the
 * write lock, so each migration runs exactly once.
 */
import type { DatabaseSync } from 'node:sqlite';
import { GovernanceDatabaseError } from './governance-database-error.ts';
import { GOVERNANCE_MIGRATIONS } from './governance-schema.ts';
import { runImmediateTransaction } from './immediate-transaction.ts';

function schemaVersion(database: DatabaseSync): number {
  const row = database.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

export function migrateGovernanceDatabase(
  database: DatabaseSync,
  migrations: readonly string[] = GOVERNANCE_MIGRATIONS,
): number {
  // Cheap unlocked check first: an up-to-date database never takes the write lock here.
  if (schemaVersion(database) === migrations.length) return migrations.length;
  return runImmediateTransaction(database, () => {
    const current = schemaVersion(database);
    if (current > migrations.length) {
      throw new GovernanceDatabaseError(
        `The governance database has schema version ${current}; this Sluice knows up to ${migrations.length}`,
      );
    }
    for (let index = current; index < migrations.length; index += 1) {
      database.exec(migrations[index] as string);
    }
    // PRAGMA takes no bound parameters; the value is an integer we computed.
    database.exec(`PRAGMA user_version = ${migrations.length}`);
    return migrations.length;
  });
}
