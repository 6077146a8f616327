/**
 * The `api_keys` table's rows as both key stores (SQLite and PostgreSQL) read them, and how
 * a row becomes an `ApiKeyRecord`: one mapping, so the two stores cannot drift apart.
 * Scopes are stored comma-separated; unknown ones (from a newer build) are dropped.
 */
import { isApiKeyScope } from './api-key-input.ts';
import type { ApiKeyRecord, ApiKeyScope } from './api-key-store.ts';

/** How long a lookup is reused by default, in milliseconds. */
export const DEFAULT_CACHE_TTL_MS = 1_000;
export const CACHE_MAX_ENTRIES = 10_000;
export const RECORD_COLUMNS = 'id, tenant, name, scopes, created_at, revoked_at';

export interface ApiKeyRow {
  id: string;
  tenant: string;
  name: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

export function scopesFromColumn(column: string): ApiKeyScope[] {
  return column.split(',').filter(isApiKeyScope);
}

export function recordFromRow(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    scopes: scopesFromColumn(row.scopes),
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}
