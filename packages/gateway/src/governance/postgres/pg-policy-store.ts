/**
 * The policy store on PostgreSQL, shared by every node. Every change (publish, rollback,
 * bind, unbind) and its audit record commit in one transaction through
 * `PgAuditLog.transaction`, which holds the audit chain head: changes from all nodes are
 * serialised by that lock, so version numbers, the active pointer and the audit trail
 * cannot disagree.
 *
 * Documents are stored as published (canonical JSON) and validated again when loaded,
 * once per version per process (versions are immutable). `resolve` and `active` run for
 * every generation, so their answers are cached: this node's own changes clear the cache
 * at once; a change made on another node applies here within `cacheTtlMilliseconds`
 * (SQLite's `PRAGMA data_version` has no cheap cross-node counterpart that costs no
 * round trip per generation).
 */
import type { Pool } from 'pg';
import {
  PolicyNotFoundError,
  PolicyValidationError,
  PolicyVersionActiveError,
  PolicyVersionNotFoundError,
} from '../policies/policy-errors.ts';
import { formatPolicyVersion } from '../policies/policy-names.ts';
import {
  type BindingRow,
  bindingFromRow,
  bindingPayload,
  type PolicyRow,
  preparePolicyPublication,
  publishedPolicyVersion,
  summaryFromPolicyRow,
  type VersionRow,
} from '../policies/policy-rows.ts';
import {
  DEFAULT_POLICY_NAME,
  type PolicyBinding,
  type PolicyBindingTarget,
  type PolicyStore,
  type PolicySummary,
  type PolicyVersion,
  type PolicyVersionSummary,
  type ValidatePolicyDocument,
} from '../policies/policy-store.ts';
import type { PgAppendInTransaction, PgAuditLog } from './pg-audit-log.ts';

export interface PgPolicyStoreOptions<Document> {
  /** A migrated pool (`openPgGovernancePool`), the one `auditLog` writes through. */
  pool: Pool;
  /** Must be on the same database: changes and their audit records commit together. */
  auditLog: PgAuditLog;
  validate: ValidatePolicyDocument<Document>;
  now?: () => Date;
  /** How long `resolve` and `active` answers are reused; default 1000 ms; 0: never. */
  cacheTtlMilliseconds?: number;
}

type Queryable = Pick<Pool, 'query'>;

const DEFAULT_CACHE_TTL_MS = 1_000;
const POLICY_COLUMNS = 'name, active_version, latest_version, updated_at';
const VERSION_COLUMNS = 'name, version, document_sha256, published_at, published_by';
const BINDING_COLUMNS = 'model, route, policy_name, bound_at, bound_by';

export class PgPolicyStore<Document> implements PolicyStore<Document> {
  readonly specificationVersion = 'v1';
  readonly #pool: Pool;
  readonly #auditLog: PgAuditLog;
  readonly #validate: ValidatePolicyDocument<Document>;
  readonly #now: () => Date;
  readonly #cacheTtlMs: number;
  /** Validated documents by `name@version`; sound because versions never change. */
  readonly #documents = new Map<string, Document>();
  /** `resolve` and `active` answers, valid until `#cacheExpiresAt`. */
  readonly #resolved = new Map<string, string>();
  readonly #activeVersions = new Map<string, PolicyVersion<Document> | undefined>();
  #cacheExpiresAt = Number.NEGATIVE_INFINITY;

  constructor(options: PgPolicyStoreOptions<Document>) {
    this.#pool = options.pool;
    this.#auditLog = options.auditLog;
    this.#validate = options.validate;
    this.#now = options.now ?? (() => new Date());
    this.#cacheTtlMs = options.cacheTtlMilliseconds ?? DEFAULT_CACHE_TTL_MS;
  }

  async publish(name: string, document: unknown, actor: string): Promise<PolicyVersion<Document>> {
    const publication = preparePolicyPublication(name, document, this.#validate);
    const { documentJson, documentSha256 } = publication;
    const publishedAt = this.#now().toISOString();
    const version = await this.#write(async (client, append) => {
      const policy = await selectPolicy(client, name);
      const next = (policy?.latest_version ?? 0) + 1;
      await client.query(
        `INSERT INTO policy_versions (${VERSION_COLUMNS}, document)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [name, next, documentSha256, publishedAt, actor, documentJson],
      );
      await client.query(
        `INSERT INTO policies (${POLICY_COLUMNS}) VALUES ($1, $2, $2, $3)
         ON CONFLICT (name) DO UPDATE SET active_version = $2, latest_version = $2,
           updated_at = $3`,
        [name, next, publishedAt],
      );
      await append({
        type: 'policy-published',
        actor,
        payload: { name, version: next, documentSha256 },
      });
      return next;
    });
    this.#documents.set(formatPolicyVersion(name, version), publication.document);
    return publishedPolicyVersion(name, version, publication, publishedAt, actor);
  }

  async policies(): Promise<PolicySummary[]> {
    const { rows } = await this.#pool.query<PolicyRow>(
      `SELECT ${POLICY_COLUMNS} FROM policies ORDER BY name`,
    );
    return rows.map(summaryFromPolicyRow);
  }

  async list(name: string): Promise<PolicyVersionSummary[]> {
    const policy = await this.#requirePolicy(this.#pool, name);
    const { rows } = await this.#pool.query<VersionRow>(
      `SELECT ${VERSION_COLUMNS} FROM policy_versions WHERE name = $1 ORDER BY version`,
      [name],
    );
    return rows.map((row) => ({
      ...versionFields(row),
      active: row.version === policy.active_version,
    }));
  }

  async get(name: string, version: number): Promise<PolicyVersion<Document>> {
    const { rows } = await this.#pool.query<VersionRow & { document: string }>(
      `SELECT ${VERSION_COLUMNS}, document FROM policy_versions WHERE name = $1 AND version = $2`,
      [name, version],
    );
    const row = rows[0];
    if (row === undefined) {
      await this.#requirePolicy(this.#pool, name);
      throw new PolicyVersionNotFoundError(name, version);
    }
    return { ...versionFields(row), document: this.#loadDocument(row) };
  }

  async active(name: string): Promise<PolicyVersion<Document> | undefined> {
    this.#checkCache();
    if (this.#activeVersions.has(name)) return this.#activeVersions.get(name);
    const policy = await selectPolicy(this.#pool, name);
    const active =
      policy === undefined ? undefined : Object.freeze(await this.get(name, policy.active_version));
    this.#activeVersions.set(name, active);
    return active;
  }

  async rollback(name: string, version: number, actor: string): Promise<PolicyVersion<Document>> {
    // Validate outside the lock: a version the current schema rejects must not go live.
    const target = await this.get(name, version);
    await this.#write(async (client, append) => {
      const policy = await this.#requirePolicy(client, name);
      if (policy.active_version === version) throw new PolicyVersionActiveError(name, version);
      await client.query(
        'UPDATE policies SET active_version = $2, updated_at = $3 WHERE name = $1',
        [name, version, this.#now().toISOString()],
      );
      await append({
        type: 'policy-rolled-back',
        actor,
        payload: { name, fromVersion: policy.active_version, toVersion: version },
      });
    });
    return target;
  }

  async bind(
    target: PolicyBindingTarget,
    policyName: string,
    actor: string,
  ): Promise<PolicyBinding> {
    const key = bindingKey(target, policyName);
    return this.#write(async (client, append) => {
      await this.#requirePolicy(client, policyName);
      const { rows } = await client.query<BindingRow>(
        `INSERT INTO policy_bindings (${BINDING_COLUMNS}) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (model, route) DO UPDATE SET policy_name = $3, bound_at = $4, bound_by = $5
         RETURNING ${BINDING_COLUMNS}`,
        [key.model, key.route, policyName, this.#now().toISOString(), actor],
      );
      await append({
        type: 'policy-bound',
        actor,
        payload: { policyName, ...bindingPayload(key) },
      });
      return bindingFromRow(rows[0] as BindingRow);
    });
  }

  async unbind(target: PolicyBindingTarget, actor: string): Promise<boolean> {
    const key = bindingKey(target, DEFAULT_POLICY_NAME);
    return this.#write(async (client, append) => {
      const { rows } = await client.query<BindingRow>(
        `DELETE FROM policy_bindings WHERE model = $1 AND route = $2 RETURNING ${BINDING_COLUMNS}`,
        [key.model, key.route],
      );
      const existing = rows[0];
      if (existing === undefined) return false;
      await append({
        type: 'policy-unbound',
        actor,
        payload: { policyName: existing.policy_name, ...bindingPayload(key) },
      });
      return true;
    });
  }

  async bindings(): Promise<PolicyBinding[]> {
    const { rows } = await this.#pool.query<BindingRow>(
      `SELECT ${BINDING_COLUMNS} FROM policy_bindings ORDER BY model, route`,
    );
    return rows.map(bindingFromRow);
  }

  async resolve(selector: { model: string; route?: string }): Promise<string> {
    this.#checkCache();
    const route = selector.route ?? '';
    const key = `${selector.model}\u0000${route}`;
    const cached = this.#resolved.get(key);
    if (cached !== undefined) return cached;
    // '' stands for "any"; the ORDER BY ranks model+route over model over route.
    const { rows } = await this.#pool.query<{ policy_name: string }>(
      `SELECT policy_name FROM policy_bindings
       WHERE (model = $1 OR model = '') AND (route = $2 OR route = '')
       ORDER BY model <> '' DESC, route <> '' DESC LIMIT 1`,
      [selector.model, route],
    );
    const name = rows[0]?.policy_name ?? DEFAULT_POLICY_NAME;
    this.#resolved.set(key, name);
    return name;
  }

  /** Drops cached answers once they are older than the cache lifetime. */
  #checkCache(): void {
    const now = performance.now();
    if (now < this.#cacheExpiresAt) return;
    this.#invalidate();
    this.#cacheExpiresAt = now + this.#cacheTtlMs;
  }

  /** A change and its audit record in one transaction; cached answers go with it. */
  async #write<T>(
    change: (client: Queryable, append: PgAppendInTransaction) => Promise<T>,
  ): Promise<T> {
    try {
      return await this.#auditLog.transaction(change);
    } finally {
      this.#invalidate();
    }
  }

  #invalidate(): void {
    this.#resolved.clear();
    this.#activeVersions.clear();
  }

  async #requirePolicy(client: Queryable, name: string): Promise<PolicyRow> {
    const policy = await selectPolicy(client, name);
    if (policy === undefined) throw new PolicyNotFoundError(name);
    return policy;
  }

  #loadDocument(row: VersionRow & { document: string }): Document {
    const label = formatPolicyVersion(row.name, row.version);
    const cached = this.#documents.get(label);
    if (cached !== undefined) return cached;
    const result = this.#validate(JSON.parse(row.document));
    if (!result.ok) throw new PolicyValidationError(label, result.issues);
    this.#documents.set(label, result.value);
    return result.value;
  }
}

async function selectPolicy(client: Queryable, name: string): Promise<PolicyRow | undefined> {
  const { rows } = await client.query<PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM policies WHERE name = $1`,
    [name],
  );
  return rows[0];
}

function bindingKey(
  target: PolicyBindingTarget,
  policyName: string,
): { model: string; route: string } {
  const model = target.model ?? '';
  const route = target.route ?? '';
  if (model === '' && route === '') {
    throw new PolicyValidationError(policyName, [
      { path: 'target', message: 'a binding needs a model, a route or both' },
    ]);
  }
  return { model, route };
}

function versionFields<Document>(row: VersionRow): Omit<PolicyVersion<Document>, 'document'> {
  return {
    name: row.name,
    version: row.version,
    label: formatPolicyVersion(row.name, row.version),
    documentSha256: row.document_sha256,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
  };
}
