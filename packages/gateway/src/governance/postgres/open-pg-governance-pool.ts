/**
 * Opens the connection pool of the PostgreSQL governance stores and migrates the schema,
 * failing at start — with the backend named and the URL's password left out — when the
 * database cannot be reached or is newer than this build.
 *
 * BIGINT columns (audit sequences, review positions) are read as numbers: they stay far
 * below 2^53, and the stores compare them as numbers, as with SQLite. The parser is set
 * on this pool only, never globally, so other `pg` users in the process are unaffected.
 */
import pg from 'pg';
import { GovernanceDatabaseError } from '../database/governance-database-error.ts';
import { migratePgGovernance } from './migrate-pg-governance.ts';
import { pgBackendError } from './pg-backend-unavailable.ts';

const INT8_OID = 20;

export interface OpenPgGovernancePoolOptions {
  /** `postgres://user:password@host:port/database`. Never logged as given. */
  url: string;
  /**
   * A schema to use instead of `public` (created if missing): several deployments or test
   * runs can share one database this way.
   */
  schema?: string;
  /** Connections per node; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection; default 5,000 ms. */
  connectTimeoutMs?: number;
  /** How long one query may take before it fails; default 30,000 ms. */
  queryTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;

/** The URL without its password, for messages. */
export function describePgUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'a PostgreSQL URL that cannot be parsed';
  }
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPgGovernancePool(options: OpenPgGovernancePoolOptions): Promise<pg.Pool> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new GovernanceDatabaseError(
      'A PostgreSQL governance schema name is lower-case letters, digits and _',
    );
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    // Nothing waits forever on a database that is down or unreachable.
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client whose server went away emits here; without a listener the process would
  // crash. The pool drops that client; the next query reconnects or reports the outage.
  pool.on('error', () => {});
  reportOutagesAsUnavailable(pool);
  try {
    await migratePgGovernance(pool, schema === undefined ? {} : { schema });
  } catch (error) {
    await pool.end().catch(() => {
      // Closing a pool that never connected can fail too; the first error says why.
    });
    if (GovernanceDatabaseError.isInstance(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new GovernanceDatabaseError(
      `The PostgreSQL governance database at ${describePgUrl(options.url)} cannot be used: ${reason}`,
      { cause: error },
    );
  }
  return pool;
}

/**
 * Makes the pool's promise-returning `query` and `connect` reject with
 * `SLUICE_ERR_BACKEND_UNAVAILABLE` when the database is out of reach, so every store
 * reports an outage the same way. The callback forms (used inside `pg` itself) are left
 * alone.
 */
function reportOutagesAsUnavailable(pool: pg.Pool): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  const mapped = (result: unknown) =>
    result instanceof Promise
      ? result.catch((error: unknown) => {
          throw pgBackendError(error);
        })
      : result;
  pool.query = ((...args: unknown[]) => mapped(query(...args))) as typeof pool.query;
  pool.connect = ((...args: unknown[]) => mapped(connect(...args))) as typeof pool.connect;
}
