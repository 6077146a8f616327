/**
 * The governance schema on PostgreSQL, as ordered migrations recorded in
 * `schema_migrations`. It mirrors the SQLite schema (`../database/governance-schema.ts`)
 * at its current version, in one first migration, since no PostgreSQL database predates
 * keyed chains; a migration is never edited once released, only followed by another.
 *
 * Differences from SQLite, each for a reason:
 * - `audit_chain_head` is one row holding the last sequence and hash. Every append locks
 *   it (`SELECT … FOR UPDATE`) in its transaction, so writers on any number of nodes take
 *   turns at the chain head and never fork it (see `pg-audit-log.ts`).
 * - Timestamps, payloads and policy documents stay TEXT: the chain hashes the exact
 *   strings (ISO times, canonical JSON), which `timestamptz` or `jsonb` would rewrite.
 * - The append-only and immutable rules are triggers, as in SQLite, plus one refusing
 *   `TRUNCATE`. They stop careless writers; the keyed hash chain is the tamper defence.
 * - `api_keys.position` stands in for SQLite's rowid: keys created in the same millisecond
 *   list in creation order.
 * - `end_user_id` in `audit_records` is kept (always NULL here) so records read with the
 *   same columns as SQLite's (`AUDIT_RECORD_SELECT`).
 */

export const PG_GOVERNANCE_MIGRATIONS: readonly string[] = [
  // 1: keyed audit chain with its head row, end-user pseudonyms, versioned policies with
  // bindings, review queue, API keys.
  `
  CREATE FUNCTION sluice_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
  END;
  $$;

  CREATE TABLE audit_records (
    sequence BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    type TEXT NOT NULL,
    tenant TEXT,
    actor TEXT,
    generation_id TEXT,
    session_id TEXT,
    end_user_id TEXT,
    end_user_pseudonym TEXT,
    key_id TEXT,
    payload TEXT,
    payload_sha256 TEXT NOT NULL,
    payload_purged_at TEXT,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE INDEX audit_records_by_session ON audit_records (session_id)
    WHERE session_id IS NOT NULL;
  CREATE INDEX audit_records_by_generation ON audit_records (generation_id)
    WHERE generation_id IS NOT NULL;
  CREATE INDEX audit_records_by_end_user_pseudonym ON audit_records (end_user_pseudonym)
    WHERE end_user_pseudonym IS NOT NULL;
  CREATE INDEX audit_records_unpurged_by_time ON audit_records (recorded_at)
    WHERE payload IS NOT NULL;
  CREATE INDEX audit_records_erasures ON audit_records (sequence)
    WHERE type IN ('retention-purged', 'content-deleted');
  CREATE TRIGGER audit_records_append_only BEFORE DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse('audit records are append-only');
  CREATE TRIGGER audit_records_not_truncated BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION sluice_refuse('audit records are append-only');
  CREATE TRIGGER audit_records_skeleton_immutable
    BEFORE UPDATE OF sequence, id, recorded_at, type, tenant, actor, generation_id, session_id,
      end_user_id, end_user_pseudonym, key_id, payload_sha256, previous_hash, hash
    ON audit_records
    FOR EACH ROW EXECUTE FUNCTION
      sluice_refuse('audit record fields other than the payload are immutable');
  CREATE TRIGGER audit_records_payload_purge_only BEFORE UPDATE OF payload ON audit_records
    FOR EACH ROW WHEN (NEW.payload IS NOT NULL)
    EXECUTE FUNCTION sluice_refuse('an audit payload can only be purged');

  CREATE TABLE audit_chain_head (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    sequence BIGINT NOT NULL,
    hash TEXT NOT NULL
  );
  INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, repeat('0', 64));

  CREATE TABLE audit_end_users (
    tenant TEXT NOT NULL,
    end_user_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL UNIQUE,
    salt TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, end_user_id)
  );
  CREATE INDEX audit_end_users_by_end_user ON audit_end_users (end_user_id);

  CREATE TABLE policy_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    document TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (name, version)
  );
  CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION sluice_refuse('published policy versions are immutable');
  CREATE TABLE policies (
    name TEXT PRIMARY KEY,
    active_version INTEGER NOT NULL,
    latest_version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (name, active_version) REFERENCES policy_versions (name, version),
    FOREIGN KEY (name, latest_version) REFERENCES policy_versions (name, version)
  );
  CREATE TABLE policy_bindings (
    model TEXT NOT NULL,
    route TEXT NOT NULL,
    policy_name TEXT NOT NULL REFERENCES policies (name),
    bound_at TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    PRIMARY KEY (model, route),
    CHECK (model <> '' OR route <> '')
  );

  CREATE TABLE review_items (
    position BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    generation_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    tenant TEXT,
    session_id TEXT,
    end_user_id TEXT,
    model TEXT NOT NULL,
    model_configuration_version TEXT,
    policy_version TEXT NOT NULL,
    verdict TEXT NOT NULL,
    checks TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    details TEXT,
    decided_at TEXT,
    reviewer TEXT,
    note TEXT
  );
  CREATE INDEX review_items_by_status ON review_items (status, position);

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    position BIGINT GENERATED ALWAYS AS IDENTITY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_sha256 BYTEA NOT NULL CHECK (length(secret_sha256) = 32),
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at, position);
  CREATE INDEX api_keys_active ON api_keys (id) WHERE revoked_at IS NULL;
  CREATE TRIGGER api_keys_revocation_final BEFORE UPDATE ON api_keys
    FOR EACH ROW WHEN (OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
      OR NEW.id IS DISTINCT FROM OLD.id OR NEW.tenant IS DISTINCT FROM OLD.tenant
      OR NEW.name IS DISTINCT FROM OLD.name OR NEW.scopes IS DISTINCT FROM OLD.scopes
      OR NEW.secret_sha256 IS DISTINCT FROM OLD.secret_sha256
      OR NEW.created_at IS DISTINCT FROM OLD.created_at)
    EXECUTE FUNCTION sluice_refuse('an API key can only be revoked, once');
  `,
];
