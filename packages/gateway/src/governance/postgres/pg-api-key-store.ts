/**
 * The API key store on PostgreSQL (`api_keys`), shared by every node. It behaves as the
 * SQLite store (`../../control/tenants/sqlite-api-key-store.ts`) does, over the same
 * shared pieces (key format, input checks, lookup cache): authentication does the same
 * work whatever the outcome — look the id up (or find it in the short-lived cache), hash
 * the presented secret, compare with `timingSafeEqual` against the stored hash or a
 * dummy — and only then looks at revocation.
 *
 * A revocation made on another node takes effect here within the cache lifetime.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { ApiKeyNotFoundError } from '../../control/tenants/api-key-errors.ts';
import {
  generateApiKey,
  type HashApiKeySecret,
  hashApiKeySecret,
  isApiKeyId,
  parseApiKey,
} from '../../control/tenants/api-key-format.ts';
import { normalizeApiKeyInput } from '../../control/tenants/api-key-input.ts';
import {
  type ApiKeyLookup,
  ApiKeyLookupCache,
} from '../../control/tenants/api-key-lookup-cache.ts';
import {
  type ApiKeyRow,
  CACHE_MAX_ENTRIES,
  DEFAULT_CACHE_TTL_MS,
  RECORD_COLUMNS,
  recordFromRow,
  scopesFromColumn,
} from '../../control/tenants/api-key-rows.ts';
import type {
  ApiKeyInput,
  ApiKeyRecord,
  ApiKeyStore,
  AuthenticatedApiKey,
  CreatedApiKey,
} from '../../control/tenants/api-key-store.ts';

export interface PgApiKeyStoreOptions {
  /** A migrated pool (`openPgGovernancePool`). */
  pool: Pool;
  now?: () => Date;
  /**
   * How long a lookup is reused, in milliseconds; also how late a revocation made on
   * another node takes effect here (one made through this store is immediate).
   * Default 1000; 0 turns the cache off.
   */
  cacheTtlMilliseconds?: number;
  /** Replaceable so tests can observe that every outcome hashes and compares. */
  hashSecret?: HashApiKeySecret;
  compareHashes?: (presented: Buffer, stored: Buffer) => boolean;
}

interface LookupRow {
  tenant: string;
  scopes: string;
  secret_sha256: Buffer;
  revoked_at: string | null;
}

export class PgApiKeyStore implements ApiKeyStore {
  readonly specificationVersion = 'v1';
  readonly #pool: Pool;
  readonly #now: () => Date;
  readonly #hashSecret: HashApiKeySecret;
  readonly #compareHashes: (presented: Buffer, stored: Buffer) => boolean;
  readonly #cache: ApiKeyLookupCache;
  /** Compared against when the id is unknown, so that path costs what a real one does. */
  readonly #dummyHash = randomBytes(32);

  constructor(options: PgApiKeyStoreOptions) {
    this.#pool = options.pool;
    this.#now = options.now ?? (() => new Date());
    this.#hashSecret = options.hashSecret ?? hashApiKeySecret;
    this.#compareHashes = options.compareHashes ?? timingSafeEqual;
    this.#cache = new ApiKeyLookupCache({
      ttlMs: options.cacheTtlMilliseconds ?? DEFAULT_CACHE_TTL_MS,
      maxEntries: CACHE_MAX_ENTRIES,
      now: () => this.#now().getTime(),
    });
  }

  async create(input: ApiKeyInput): Promise<CreatedApiKey> {
    const { tenant, name, scopes } = normalizeApiKeyInput(input);
    const { keyId, secret, key } = generateApiKey();
    const createdAt = this.#now().toISOString();
    await this.#pool.query(
      `INSERT INTO api_keys (id, tenant, name, scopes, secret_sha256, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [keyId, tenant, name, scopes.join(','), this.#hashSecret(keyId, secret), createdAt],
    );
    this.#cache.delete(keyId);
    return { id: keyId, tenant, name, scopes, createdAt, key };
  }

  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    const { rows } =
      tenant === undefined
        ? await this.#pool.query<ApiKeyRow>(
            `SELECT ${RECORD_COLUMNS} FROM api_keys ORDER BY created_at, position`,
          )
        : await this.#pool.query<ApiKeyRow>(
            `SELECT ${RECORD_COLUMNS} FROM api_keys WHERE tenant = $1 ORDER BY created_at, position`,
            [tenant],
          );
    return rows.map(recordFromRow);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    if (!isApiKeyId(id)) throw new ApiKeyNotFoundError(id);
    // One statement: the revocation if the key is active, and the key as it now stands.
    const { rows } = await this.#pool.query<ApiKeyRow>(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
         RETURNING ${RECORD_COLUMNS}
       )
       SELECT ${RECORD_COLUMNS} FROM revoked
       UNION ALL
       SELECT ${RECORD_COLUMNS} FROM api_keys WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM revoked)`,
      [id, this.#now().toISOString()],
    );
    this.#cache.delete(id);
    const row = rows[0];
    if (row === undefined) throw new ApiKeyNotFoundError(id);
    return recordFromRow(row);
  }

  async authenticate(presentedKey: string): Promise<AuthenticatedApiKey | undefined> {
    const parsed = parseApiKey(presentedKey);
    // The key format is public: refusing a malformed key early tells nothing about keys.
    if (parsed === undefined) return undefined;
    const lookup = await this.#cachedLookup(parsed.keyId);
    const presentedHash = this.#hashSecret(parsed.keyId, parsed.secret);
    const matches = this.#compareHashes(presentedHash, lookup.secretSha256);
    return matches ? lookup.identity : undefined;
  }

  async hasActiveKeys(): Promise<boolean> {
    const { rows } = await this.#pool.query<{ present: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL) AS present',
    );
    return rows[0]?.present === true;
  }

  async hasHadKeys(): Promise<boolean> {
    const { rows } = await this.#pool.query<{ present: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM api_keys) AS present',
    );
    return rows[0]?.present === true;
  }

  async #cachedLookup(keyId: string): Promise<ApiKeyLookup> {
    const cached = this.#cache.get(keyId);
    if (cached !== undefined) return cached;
    const { rows } = await this.#pool.query<LookupRow>(
      'SELECT tenant, scopes, secret_sha256, revoked_at FROM api_keys WHERE id = $1',
      [keyId],
    );
    const row = rows[0];
    const lookup: ApiKeyLookup =
      row === undefined
        ? { secretSha256: this.#dummyHash, identity: undefined }
        : {
            secretSha256: Buffer.from(row.secret_sha256),
            identity:
              row.revoked_at === null
                ? { keyId, tenant: row.tenant, scopes: Object.freeze(scopesFromColumn(row.scopes)) }
                : undefined,
          };
    this.#cache.set(keyId, lookup);
    return lookup;
  }
}
