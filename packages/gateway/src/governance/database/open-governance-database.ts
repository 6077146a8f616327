/**
 * Opens the one governance database, `sluice.db` in the data directory (created with
 * its directory when missing), or an in-memory database for tests, and migrates it.
 *
 * WAL lets the `sluice` CLI read and write while the gateway runs. `synchronous=NORMAL`
 * is the WAL setting that does not fsync on every commit: node:sqlite is synchronous, so
 * an fsync per commit would stall the event loop that relays tokens. A power loss may then
 * drop the last commits, but never leaves a half-written record or a broken chain.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { migrateGovernanceDatabase } from './migrate-governance-database.ts';

export const GOVERNANCE_DATABASE_FILE = 'sluice.db';

/** How long a writer waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5_000;

export type GovernanceDatabaseLocation =
  | { dataDir: string }
  /** A file path, or `:memory:` for a private in-memory database. */
  | { path: string };

export interface OpenGovernanceDatabaseOptions {
  /** `full` fsyncs every commit; slower, survives power loss. Default `normal`. */
  synchronous?: 'normal' | 'full';
}

export function governanceDatabasePath(dataDir: string): string {
  return join(dataDir, GOVERNANCE_DATABASE_FILE);
}

export function openGovernanceDatabase(
  location: GovernanceDatabaseLocation,
  options: OpenGovernanceDatabaseOptions = {},
): DatabaseSync {
  let path: string;
  if ('dataDir' in location) {
    mkdirSync(location.dataDir, { recursive: true });
    path = governanceDatabasePath(location.dataDir);
  } else {
    path = location.path;
  }
  const database = new DatabaseSync(path, {
    timeout: BUSY_TIMEOUT_MS,
    enableForeignKeyConstraints: true,
  });
  try {
    if (path !== ':memory:') database.exec('PRAGMA journal_mode = WAL');
    database.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    migrateGovernanceDatabase(database);
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}
