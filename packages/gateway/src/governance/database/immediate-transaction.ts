/**
 * Runs synchronous work inside `BEGIN IMMEDIATE … COMMIT`. IMMEDIATE takes the write lock
 * up front, so a read-then-write (the audit chain head, the next policy version, a review
 * item's status) cannot interleave with another writer — another connection in this
 * process or the `sluice` CLI working on the same file.
 */
import type { DatabaseSync } from 'node:sqlite';

export function runImmediateTransaction<T>(database: DatabaseSync, work: () => T): T {
  if (database.isTransaction) {
    // A nested BEGIN would fail; callers compose by calling the work directly instead.
    throw new Error('runImmediateTransaction called inside an open transaction');
  }
  database.exec('BEGIN IMMEDIATE');
  let result: T;
  try {
    result = work();
  } catch (error) {
    database.exec('ROLLBACK');
    throw error;
  }
  try {
    database.exec('COMMIT');
  } catch (error) {
    // A failed COMMIT can leave the transaction open; never leak it to the next caller.
    if (database.isTransaction) database.exec('ROLLBACK');
    throw error;
  }
  return result;
}
