/**
 * Runs `work` in one PostgreSQL transaction on a pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws. A connection whose ROLLBACK fails is broken and is
 * destroyed rather than returned to the pool. A lost connection is reported as
 * `SLUICE_ERR_BACKEND_UNAVAILABLE` (`pg-backend-unavailable.ts`).
 */
import type { Pool, PoolClient } from 'pg';
import { pgBackendError } from './pg-backend-unavailable.ts';

export async function runPgTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw pgBackendError(error);
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The original error says what went wrong; this connection is dropped below.
      broken = true;
    }
    throw pgBackendError(error);
  } finally {
    client.release(broken);
  }
}
