/**
 * The governance schema as ordered migrations. `PRAGMA user_version` holds the number of
 * migrations applied; a migration is never edited once released, only followed by another.
 *
 * Triggers make the append-only and immutable rules hold for every writer, including a
 * careless one; they are not the tamper defence (anyone with the file can drop them) —
 * the audit hash chain is.
 */

export const GOVERNANCE_MIGRATIONS: readonly string[] = [
  // 1: audit log, versioned policies with bindings, review queue.
  `
  CREATE TABLE audit_records (
    sequence INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    type TEXT NOT NULL,
    tenant TEXT,
    actor TEXT,
    generation_id TEXT,
    session_id TEXT,
    end_user_id TEXT,
    payload TEXT,
    payload_sha256 TEXT NOT NULL,
    payload_purged_at TEXT,
    previous_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_records_by_session ON audit_records (session_id)
    WHERE session_id IS NOT NULL;
  CREATE INDEX audit_records_by_end_user ON audit_records (end_user_id)
    WHERE end_user_id IS NOT NULL;
  CREATE INDEX audit_records_by_generation ON audit_records (generation_id)
    WHERE generation_id IS NOT NULL;
  CREATE INDEX audit_records_unpurged_by_time ON audit_records (recorded_at)
    WHERE payload IS NOT NULL;
  CREATE TRIGGER audit_records_append_only BEFORE DELETE ON audit_records
  BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only');
  END;
  CREATE TRIGGER audit_records_skeleton_immutable
  BEFORE UPDATE OF sequence, id, recorded_at, type, tenant, actor, generation_id, session_id,
    end_user_id, payload_sha256, previous_hash, hash ON audit_records
  BEGIN
    SELECT RAISE(ABORT, 'audit record fields other than the payload are immutable');
  END;
  CREATE TRIGGER audit_records_payload_purge_only BEFORE UPDATE OF payload ON audit_records
  WHEN NEW.payload IS NOT NULL
  BEGIN
    SELECT RAISE(ABORT, 'an audit payload can only be purged');
  END;

  CREATE TABLE policy_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    document TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (name, version)
  ) STRICT;
  CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions
  BEGIN
    SELECT RAISE(ABORT, 'published policy versions are immutable');
  END;
  CREATE TRIGGER policy_versions_kept BEFORE DELETE ON policy_versions
  BEGIN
    SELECT RAISE(ABORT, 'published policy versions are immutable');
  END;
  CREATE TABLE policies (
    name TEXT PRIMARY KEY,
    active_version INTEGER NOT NULL,
    latest_version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (name, active_version) REFERENCES policy_versions (name, version),
    FOREIGN KEY (name, latest_version) REFERENCES policy_versions (name, version)
  ) STRICT;
  CREATE TABLE policy_bindings (
    model TEXT NOT NULL,
    route TEXT NOT NULL,
    policy_name TEXT NOT NULL REFERENCES policies (name),
    bound_at TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    PRIMARY KEY (model, route),
    CHECK (model <> '' OR route <> '')
  ) STRICT;

  CREATE TABLE review_items (
    position INTEGER PRIMARY KEY,
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
  ) STRICT;
  CREATE INDEX review_items_by_status ON review_items (status, position);
  `,
  // 2: API keys. Only a SHA-256 of each secret is kept; a revoked key stays listed (who
  // had access, and until when) and is never reactivated.
  `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    secret_sha256 BLOB NOT NULL CHECK (length(secret_sha256) = 32),
    created_at TEXT NOT NULL,
    revoked_at TEXT
  ) STRICT;
  CREATE INDEX api_keys_by_tenant ON api_keys (tenant, created_at);
  CREATE INDEX api_keys_active ON api_keys (id) WHERE revoked_at IS NULL;
  CREATE TRIGGER api_keys_revocation_final
  BEFORE UPDATE ON api_keys
  WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.tenant IS NOT OLD.tenant OR NEW.name IS NOT OLD.name
    OR NEW.scopes IS NOT OLD.scopes OR NEW.secret_sha256 IS NOT OLD.secret_sha256
    OR NEW.created_at IS NOT OLD.created_at
  BEGIN
    SELECT RAISE(ABORT, 'an API key can only be revoked, once');
  END;
  `,
  // 3: a keyed audit chain. Records name the key they are hashed with (NULL: written
  // before keys, plain SHA-256) and carry the end user as a keyed pseudonym; the clear id
  // and its salt live in audit_end_users, outside the chain, so erasing an end user is
  // deleting a row. end_user_id in audit_records stays for the records written before.
  // Erasure records are indexed: verification reads them before the chain.
  `
  ALTER TABLE audit_records ADD COLUMN key_id TEXT;
  ALTER TABLE audit_records ADD COLUMN end_user_pseudonym TEXT;
  CREATE INDEX audit_records_by_end_user_pseudonym ON audit_records (end_user_pseudonym)
    WHERE end_user_pseudonym IS NOT NULL;
  CREATE INDEX audit_records_erasures ON audit_records (sequence)
    WHERE type IN ('retention-purged', 'content-deleted');
  DROP TRIGGER audit_records_skeleton_immutable;
  CREATE TRIGGER audit_records_skeleton_immutable
  BEFORE UPDATE OF sequence, id, recorded_at, type, tenant, actor, generation_id, session_id,
    end_user_id, end_user_pseudonym, key_id, payload_sha256, previous_hash, hash
    ON audit_records
  BEGIN
    SELECT RAISE(ABORT, 'audit record fields other than the payload are immutable');
  END;

  CREATE TABLE audit_end_users (
    tenant TEXT NOT NULL,
    end_user_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL UNIQUE,
    salt TEXT NOT NULL,
    key_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant, end_user_id)
  ) STRICT;
  CREATE INDEX audit_end_users_by_end_user ON audit_end_users (end_user_id);
  `,
];
