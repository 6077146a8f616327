/**
 * The embedded API key store on the governance SQLite database (`api_keys`, migration 2).
 * It takes the gateway's connection, so the CLI and a running gateway share one file.
 *
 * Authentication does the same work whatever the outcome: look the id up (or find it in
 * the short-lived cache), hash the presented secret, compare with `timingSafeEqual`
 * against the stored hash — or against a dummy when there is no such key — and only then
 * look at whether the key is revoked.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ApiKeyNotFoundError } from './api-key-errors.ts';
import {
  generateApiKey,
  type HashApiKeySecret,
  hashApiKeySecret,
  isApiKeyId,
  parseApiKey,
} from './api-key-format.ts';
import { normalizeApiKeyInput } from './api-key-input.ts';
import { type ApiKeyLookup, ApiKeyLookupCache } from './api-key-lookup-cache.ts';
import {
  type ApiKeyRow,
  CACHE_MAX_ENTRIES,
  DEFAULT_CACHE_TTL_MS,
  RECORD_COLUMNS,
  recordFromRow,
  scopesFromColumn,
} from './api-key-rows.ts';
import type {
  ApiKeyInput,
  ApiKeyRecord,
  ApiKeyStore,
  AuthenticatedApiKey,
  CreatedApiKey,
} from './api-key-store.ts';

export interface SqliteApiKeyStoreOptions {
  database: DatabaseSync;
  now?: () => Date;
  /**
   * How long a lookup is reused, in milliseconds; also how late a revocation made by
   * another process takes effect here (one made through this store is immediate).
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
  secret_sha256: Uint8Array;
  revoked_at: string | null;
}

export class SqliteApiKeyStore implements ApiKeyStore {
  readonly specificationVersion = 'v1';
  readonly #now: () => Date;
  readonly #hashSecret: HashApiKeySecret;
  readonly #compareHashes: (presented: Buffer, stored: Buffer) => boolean;
  readonly #cache: ApiKeyLookupCache;
  /** Compared against when the id is unknown, so that path costs what a real one does. */
  readonly #dummyHash = randomBytes(32);

  readonly #insert: StatementSync;
  readonly #lookup: StatementSync;
  readonly #selectById: StatementSync;
  readonly #listAll: StatementSync;
  readonly #listByTenant: StatementSync;
  readonly #revoke: StatementSync;
  readonly #anyActive: StatementSync;
  readonly #anyEver: StatementSync;

  constructor(options: SqliteApiKeyStoreOptions) {
    const { database } = options;
    this.#now = options.now ?? (() => new Date());
    this.#hashSecret = options.hashSecret ?? hashApiKeySecret;
    this.#compareHashes = options.compareHashes ?? timingSafeEqual;
    this.#cache = new ApiKeyLookupCache({
      ttlMs: options.cacheTtlMilliseconds ?? DEFAULT_CACHE_TTL_MS,
      maxEntries: CACHE_MAX_ENTRIES,
      now: () => this.#now().getTime(),
    });
    this.#insert = database.prepare(
      `INSERT INTO api_keys (id, tenant, name, scopes, secret_sha256, created_at)
       VALUES (:id, :tenant, :name, :scopes, :secretSha256, :createdAt)`,
    );
    this.#lookup = database.prepare(
      'SELECT tenant, scopes, secret_sha256, revoked_at FROM api_keys WHERE id = ?',
    );
    this.#selectById = database.prepare(`SELECT ${RECORD_COLUMNS} FROM api_keys WHERE id = ?`);
    this.#listAll = database.prepare(
      `SELECT ${RECORD_COLUMNS} FROM api_keys ORDER BY created_at, rowid`,
    );
    this.#listByTenant = database.prepare(
      `SELECT ${RECORD_COLUMNS} FROM api_keys WHERE tenant = ? ORDER BY created_at, rowid`,
    );
    this.#revoke = database.prepare(
      'UPDATE api_keys SET revoked_at = :revokedAt WHERE id = :id AND revoked_at IS NULL',
    );
    this.#anyActive = database.prepare(
      'SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL) AS present',
    );
    this.#anyEver = database.prepare('SELECT EXISTS (SELECT 1 FROM api_keys) AS present');
  }

  async create(input: ApiKeyInput): Promise<CreatedApiKey> {
    const { tenant, name, scopes } = normalizeApiKeyInput(input);
    const { keyId, secret, key } = generateApiKey();
    const createdAt = this.#now().toISOString();
    this.#insert.run({
      id: keyId,
      tenant,
      name,
      scopes: scopes.join(','),
      secretSha256: this.#hashSecret(keyId, secret),
      createdAt,
    });
    this.#cache.delete(keyId);
    return { id: keyId, tenant, name, scopes, createdAt, key };
  }

  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    const rows = tenant === undefined ? this.#listAll.all() : this.#listByTenant.all(tenant);
    return (rows as unknown as ApiKeyRow[]).map(recordFromRow);
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    if (!isApiKeyId(id)) throw new ApiKeyNotFoundError(id);
    this.#revoke.run({ id, revokedAt: this.#now().toISOString() });
    this.#cache.delete(id);
    const row = this.#selectById.get(id) as ApiKeyRow | undefined;
    if (row === undefined) throw new ApiKeyNotFoundError(id);
    return recordFromRow(row);
  }

  async authenticate(presentedKey: string): Promise<AuthenticatedApiKey | undefined> {
    const parsed = parseApiKey(presentedKey);
    // The key format is public: refusing a malformed key early tells nothing about keys.
    if (parsed === undefined) return undefined;
    const lookup = this.#cachedLookup(parsed.keyId);
    const presentedHash = this.#hashSecret(parsed.keyId, parsed.secret);
    const matches = this.#compareHashes(presentedHash, lookup.secretSha256);
    return matches ? lookup.identity : undefined;
  }

  async hasActiveKeys(): Promise<boolean> {
    const row = this.#anyActive.get() as { present: number };
    return row.present === 1;
  }

  async hasHadKeys(): Promise<boolean> {
    const row = this.#anyEver.get() as { present: number };
    return row.present === 1;
  }

  #cachedLookup(keyId: string): ApiKeyLookup {
    const cached = this.#cache.get(keyId);
    if (cached !== undefined) return cached;
    const row = this.#lookup.get(keyId) as LookupRow | undefined;
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
