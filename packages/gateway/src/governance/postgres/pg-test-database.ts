/**
 * A throwaway PostgreSQL database for one test file: `CREATE DATABASE sluice_test_<random>`
 * on the local server (`SLUICE_TEST_POSTGRES_URL`, default postgres@127.0.0.1:5432, trust
 * auth) and `DROP DATABASE … WITH (FORCE)` afterwards. Tests inside the file get a fresh
 * schema each from `nextSchema()`, so no test sees another's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const ADMIN_URL =
  process.env.SLUICE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface PgTestDatabase {
  /** URL of the new database. */
  url: string;
  /** A new schema name, unique within the database. */
  nextSchema(): string;
  drop(): Promise<void>;
}

export async function createPgTestDatabase(): Promise<PgTestDatabase> {
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    // A name we generated from hex digits: safe to splice, and CREATE DATABASE takes no parameters.
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let schemas = 0;
  return {
    url: url.toString(),
    nextSchema: () => {
      schemas += 1;
      return `test_${schemas}`;
    },
    drop: async () => {
      const dropper = new pg.Client({ connectionString: ADMIN_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
