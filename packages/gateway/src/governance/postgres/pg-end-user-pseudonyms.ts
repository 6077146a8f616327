/**
 * End-user pseudonyms on PostgreSQL (`audit_end_users`), as on SQLite
 * (`../audit/sqlite-end-user-pseudonyms.ts`): the chain holds HMAC(audit key, tenant,
 * end-user id, salt); this table holds the clear id and salt outside it, and erasing an
 * end user deletes the row. A row is trusted for lookups only if its pseudonym recomputes
 * under a known key. Every method takes the connection of the caller's transaction:
 * `pseudonymFor` must run under the chain-head lock, so two nodes cannot make two.
 */
import { randomBytes } from 'node:crypto';
import type { ClientBase } from 'pg';
import type { AuditKeyring } from '../audit/audit-keyring.ts';
import { canonicalJson } from '../audit/canonical-json.ts';
import { pseudonymTenant } from '../audit/sqlite-end-user-pseudonyms.ts';

type MappingRow = {
  tenant: string;
  end_user_id: string;
  pseudonym: string;
  salt: string;
  key_id: string;
};

const COLUMNS = 'tenant, end_user_id, pseudonym, salt, key_id';

export class PgEndUserPseudonyms {
  readonly #keyring: AuditKeyring;
  readonly #now: () => Date;

  constructor(keyring: AuditKeyring, now: () => Date) {
    this.#keyring = keyring;
    this.#now = now;
  }

  /** The end user's pseudonym, made (with its row) on first sight. */
  async pseudonymFor(
    client: ClientBase,
    tenant: string | undefined,
    endUserId: string,
  ): Promise<string> {
    const scope = pseudonymTenant(tenant);
    const existing = await client.query<MappingRow>(
      `SELECT ${COLUMNS} FROM audit_end_users WHERE tenant = $1 AND end_user_id = $2`,
      [scope, endUserId],
    );
    const row = existing.rows[0];
    if (row !== undefined) return row.pseudonym;
    const key = this.#keyring.current;
    const salt = randomBytes(16).toString('hex');
    const pseudonym = key.mac('pseudonym', canonicalJson([scope, endUserId, salt]));
    await client.query(
      `INSERT INTO audit_end_users (${COLUMNS}, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [scope, endUserId, pseudonym, salt, key.id, this.#now().toISOString()],
    );
    return pseudonym;
  }

  /** The pseudonyms of an end user still on record, in one tenant or (undefined) all. */
  async find(
    client: Pick<ClientBase, 'query'>,
    tenant: string | undefined,
    endUserId: string,
  ): Promise<string[]> {
    const { rows } =
      tenant === undefined
        ? await client.query<MappingRow>(
            `SELECT ${COLUMNS} FROM audit_end_users WHERE end_user_id = $1 ORDER BY tenant`,
            [endUserId],
          )
        : await client.query<MappingRow>(
            `SELECT ${COLUMNS} FROM audit_end_users WHERE tenant = $1 AND end_user_id = $2`,
            [pseudonymTenant(tenant), endUserId],
          );
    return rows.filter((row) => this.#authentic(row)).map((row) => row.pseudonym);
  }

  /** Deletes the end user's clear id and salt (every row naming them, authentic or not). */
  async erase(client: ClientBase, tenant: string | undefined, endUserId: string): Promise<void> {
    if (tenant === undefined) {
      await client.query('DELETE FROM audit_end_users WHERE end_user_id = $1', [endUserId]);
    } else {
      await client.query('DELETE FROM audit_end_users WHERE tenant = $1 AND end_user_id = $2', [
        pseudonymTenant(tenant),
        endUserId,
      ]);
    }
  }

  #authentic(row: MappingRow): boolean {
    const key = this.#keyring.get(row.key_id);
    return (
      key !== undefined &&
      key.mac('pseudonym', canonicalJson([row.tenant, row.end_user_id, row.salt])) === row.pseudonym
    );
  }
}
