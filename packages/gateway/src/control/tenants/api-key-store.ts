/**
 * The API key contract: keys belong to a tenant, carry scopes, and are stored only as
 * hashes. The embedded store is SQLite (`sqlite-api-key-store.ts`); a PostgreSQL store
 * will implement the same interface and pass the same suite
 * (`api-key-store-conformance.ts`).
 */

/** `metrics` reads `GET /metrics` (scrapers); `admin` may do that and everything else. */
export const API_KEY_SCOPES = ['generate', 'read', 'admin', 'metrics'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKeyInput {
  tenant: string;
  /** A label for operators ("billing service"); not secret, not unique. */
  name: string;
  scopes: readonly ApiKeyScope[];
}

/** A key as listed: never the secret, never its hash. */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  /** Set once the key is revoked; a revoked key never authenticates again. */
  revokedAt?: string;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The full bearer key. Shown once: only its hash is stored. */
  key: string;
}

/** Who a presented key speaks for. */
export interface AuthenticatedApiKey {
  keyId: string;
  tenant: string;
  scopes: readonly ApiKeyScope[];
}

export interface ApiKeyStore {
  readonly specificationVersion: 'v1';

  /** Rejects with `ApiKeyInputError` for an invalid tenant, name or scope list. */
  create(input: ApiKeyInput): Promise<CreatedApiKey>;

  /** Every key (revoked ones too), oldest first; only one tenant's when given. */
  list(tenant?: string): Promise<ApiKeyRecord[]>;

  /**
   * Revokes a key; revoking a revoked key changes nothing and answers it as it is.
   * Rejects with `ApiKeyNotFoundError` for an unknown id.
   */
  revoke(id: string): Promise<ApiKeyRecord>;

  /**
   * The key's identity when the presented bearer key is valid and not revoked, else
   * undefined. Takes the same time whether the id is unknown, the secret wrong or the
   * key revoked, so the answer's timing does not reveal which keys exist.
   */
  authenticate(presentedKey: string): Promise<AuthenticatedApiKey | undefined>;

  /** Whether any key is not revoked: no active key means the gateway has no keys. */
  hasActiveKeys(): Promise<boolean>;

  /**
   * Whether any key was ever created, revoked ones included. Once true it stays true
   * (revoked keys stay listed, never deleted), which is what keeps `auth.mode: auto` in
   * keys mode after the last key is revoked.
   */
  hasHadKeys(): Promise<boolean>;
}
