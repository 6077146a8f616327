/**
 * End-user pseudonyms on SQLite (`audit_end_users`). The chain holds, for each tenant's
 * end user, HMAC(audit key, tenant, end-user id, salt) with a random salt per end user;
 * this table holds the clear id and the salt, outside the chain. Erasing an end user
 * deletes their row: their records keep a pseudonym that nobody — not even whoever holds
 * the key — can link back to them (crypto-shredding), and the chain still verifies.
 *
 * A row is trusted for lookups only if its pseudonym recomputes under a known key, so an
 * edited row cannot point one end user's export at another's records.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditKeyring } from './audit-keyring.ts';
import { canonicalJson } from './canonical-json.ts';

type MappingRow = {
  tenant: string;
  end_user_id: string;
  pseudonym: string;
  salt: string;
  key_id: string;
};

/** Records without a tenant file their end users under the empty tenant. */
export function pseudonymTenant(tenant: string | undefined): string {
  return tenant ?? '';
}

export class SqliteEndUserPseudonyms {
  readonly #keyring: AuditKeyring;
  readonly #now: () => Date;
  readonly #get: StatementSync;
  readonly #insert: StatementSync;
  readonly #byTenant: StatementSync;
  readonly #anyTenant: StatementSync;
  readonly #deleteInTenant: StatementSync;
  readonly #deleteInAnyTenant: StatementSync;

  constructor(database: DatabaseSync, keyring: AuditKeyring, now: () => Date) {
    this.#keyring = keyring;
    this.#now = now;
    const columns = 'tenant, end_user_id, pseudonym, salt, key_id';
    this.#get = database.prepare(
      `SELECT ${columns} FROM audit_end_users WHERE tenant = ? AND end_user_id = ?`,
    );
    this.#insert = database.prepare(
      `INSERT INTO audit_end_users (${columns}, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#byTenant = this.#get;
    this.#anyTenant = database.prepare(
      `SELECT ${columns} FROM audit_end_users WHERE end_user_id = ?`,
    );
    this.#deleteInTenant = database.prepare(
      'DELETE FROM audit_end_users WHERE tenant = ? AND end_user_id = ?',
    );
    this.#deleteInAnyTenant = database.prepare('DELETE FROM audit_end_users WHERE end_user_id = ?');
  }

  /**
   * The end user's pseudonym, made (with its row) on first sight. Must run inside the
   * write transaction of the append, so two processes cannot make two.
   */
  pseudonymFor(tenant: string | undefined, endUserId: string): string {
    const scope = pseudonymTenant(tenant);
    const existing = this.#get.get(scope, endUserId) as MappingRow | undefined;
    if (existing !== undefined) return existing.pseudonym;
    const key = this.#keyring.current;
    const salt = randomBytes(16).toString('hex');
    const pseudonym = key.mac('pseudonym', canonicalJson([scope, endUserId, salt]));
    this.#insert.run(scope, endUserId, pseudonym, salt, key.id, this.#now().toISOString());
    return pseudonym;
  }

  /** The pseudonyms of an end user still on record, in one tenant or (undefined) all. */
  find(tenant: string | undefined, endUserId: string): string[] {
    const rows = (
      tenant === undefined
        ? this.#anyTenant.all(endUserId)
        : this.#byTenant.all(pseudonymTenant(tenant), endUserId)
    ) as MappingRow[];
    return rows.filter((row) => this.#authentic(row)).map((row) => row.pseudonym);
  }

  /**
   * Deletes the end user's clear id and salt (every row naming them, authentic or not);
   * returns the pseudonyms now unlinkable.
   */
  erase(tenant: string | undefined, endUserId: string): string[] {
    const pseudonyms = this.find(tenant, endUserId);
    if (tenant === undefined) this.#deleteInAnyTenant.run(endUserId);
    else this.#deleteInTenant.run(pseudonymTenant(tenant), endUserId);
    return pseudonyms;
  }

  #authentic(row: MappingRow): boolean {
    const key = this.#keyring.get(row.key_id);
    return (
      key !== undefined &&
      key.mac('pseudonym', canonicalJson([row.tenant, row.end_user_id, row.salt])) === row.pseudonym
    );
  }
}
