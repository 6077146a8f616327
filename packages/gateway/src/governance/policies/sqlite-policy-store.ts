/**
 * The embedded policy store on SQLite. Every change (publish, rollback, bind, unbind)
 * and its audit record commit in one `BEGIN IMMEDIATE` transaction, so the version
 * number, the active pointer and the audit trail cannot disagree, even with the CLI
 * writing to the same file while the gateway runs.
 *
 * Documents are stored as published (canonical JSON) and validated again when loaded,
 * once per version per process: versions are immutable, so the result is cached.
 *
 * `resolve` and `active` run for every generation, so their answers are cached too, and
 * checked for staleness with SQLite's `PRAGMA data_version` (which changes when another
 * connection — the CLI, another process — commits) plus this store's own writes: a
 * request costs one tiny pragma instead of three queries, and a policy published anywhere
 * applies from the next generation on.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AppendInTransaction, SqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import {
  PolicyNotFoundError,
  PolicyValidationError,
  PolicyVersionActiveError,
  PolicyVersionNotFoundError,
} from './policy-errors.ts';
import { formatPolicyVersion } from './policy-names.ts';
import {
  type BindingRow,
  bindingFromRow,
  bindingPayload,
  type PolicyRow,
  preparePolicyPublication,
  publishedPolicyVersion,
  summaryFromPolicyRow,
  type VersionRow,
} from './policy-rows.ts';
import {
  DEFAULT_POLICY_NAME,
  type PolicyBinding,
  type PolicyBindingTarget,
  type PolicyStore,
  type PolicySummary,
  type PolicyVersion,
  type PolicyVersionSummary,
  type ValidatePolicyDocument,
} from './policy-store.ts';

export interface SqlitePolicyStoreOptions<Document> {
  database: DatabaseSync;
  /** Must be on the same database: changes and their audit records commit together. */
  auditLog: SqliteAuditLog;
  validate: ValidatePolicyDocument<Document>;
  now?: () => Date;
}

export class SqlitePolicyStore<Document> implements PolicyStore<Document> {
  readonly specificationVersion = 'v1';
  readonly #auditLog: SqliteAuditLog;
  readonly #validate: ValidatePolicyDocument<Document>;
  readonly #now: () => Date;
  /** Validated documents by `name@version`; sound because versions never change. */
  readonly #documents = new Map<string, Document>();
  /** `resolve` and `active` answers, valid while `#cacheStamp` is the data version. */
  readonly #resolved = new Map<string, string>();
  readonly #activeVersions = new Map<string, PolicyVersion<Document> | undefined>();
  #cacheStamp: number | undefined;
  readonly #dataVersion: StatementSync;

  readonly #selectPolicy: StatementSync;
  readonly #selectPolicies: StatementSync;
  readonly #insertVersion: StatementSync;
  readonly #upsertPolicy: StatementSync;
  readonly #setActive: StatementSync;
  readonly #selectVersion: StatementSync;
  readonly #selectDocument: StatementSync;
  readonly #selectVersions: StatementSync;
  readonly #upsertBinding: StatementSync;
  readonly #deleteBinding: StatementSync;
  readonly #selectBinding: StatementSync;
  readonly #selectBindings: StatementSync;
  readonly #resolveBinding: StatementSync;

  constructor(options: SqlitePolicyStoreOptions<Document>) {
    const { database } = options;
    this.#auditLog = options.auditLog;
    this.#validate = options.validate;
    this.#now = options.now ?? (() => new Date());
    this.#selectPolicy = database.prepare(
      'SELECT name, active_version, latest_version, updated_at FROM policies WHERE name = ?',
    );
    this.#dataVersion = database.prepare('PRAGMA data_version');
    this.#selectPolicies = database.prepare(
      'SELECT name, active_version, latest_version, updated_at FROM policies ORDER BY name',
    );
    this.#insertVersion = database.prepare(
      `INSERT INTO policy_versions (name, version, document, document_sha256, published_at, published_by)
       VALUES (:name, :version, :document, :documentSha256, :publishedAt, :publishedBy)`,
    );
    this.#upsertPolicy = database.prepare(
      `INSERT INTO policies (name, active_version, latest_version, updated_at)
       VALUES (:name, :version, :version, :now)
       ON CONFLICT (name) DO UPDATE SET active_version = :version, latest_version = :version,
         updated_at = :now`,
    );
    this.#setActive = database.prepare(
      'UPDATE policies SET active_version = :version, updated_at = :now WHERE name = :name',
    );
    this.#selectVersion = database.prepare(
      `SELECT name, version, document_sha256, published_at, published_by FROM policy_versions
       WHERE name = ? AND version = ?`,
    );
    this.#selectDocument = database.prepare(
      'SELECT document FROM policy_versions WHERE name = ? AND version = ?',
    );
    this.#selectVersions = database.prepare(
      `SELECT name, version, document_sha256, published_at, published_by FROM policy_versions
       WHERE name = ? ORDER BY version`,
    );
    this.#upsertBinding = database.prepare(
      `INSERT INTO policy_bindings (model, route, policy_name, bound_at, bound_by)
       VALUES (:model, :route, :policyName, :now, :actor)
       ON CONFLICT (model, route) DO UPDATE SET policy_name = :policyName, bound_at = :now,
         bound_by = :actor`,
    );
    this.#deleteBinding = database.prepare(
      'DELETE FROM policy_bindings WHERE model = :model AND route = :route',
    );
    this.#selectBinding = database.prepare(
      `SELECT model, route, policy_name, bound_at, bound_by FROM policy_bindings
       WHERE model = :model AND route = :route`,
    );
    this.#selectBindings = database.prepare(
      `SELECT model, route, policy_name, bound_at, bound_by FROM policy_bindings
       ORDER BY model, route`,
    );
    // '' stands for "any"; the ORDER BY ranks model+route over model over route.
    this.#resolveBinding = database.prepare(
      `SELECT policy_name FROM policy_bindings
       WHERE (model = :model OR model = '') AND (route = :route OR route = '')
       ORDER BY model <> '' DESC, route <> '' DESC LIMIT 1`,
    );
  }

  async publish(name: string, document: unknown, actor: string): Promise<PolicyVersion<Document>> {
    const publication = preparePolicyPublication(name, document, this.#validate);
    const { documentJson, documentSha256 } = publication;
    const publishedAt = this.#now().toISOString();
    const version = this.#write((append) => {
      const policy = this.#selectPolicy.get(name) as PolicyRow | undefined;
      const next = (policy?.latest_version ?? 0) + 1;
      this.#insertVersion.run({
        name,
        version: next,
        document: documentJson,
        documentSha256,
        publishedAt,
        publishedBy: actor,
      });
      this.#upsertPolicy.run({ name, version: next, now: publishedAt });
      append({
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
    return (this.#selectPolicies.all() as PolicyRow[]).map(summaryFromPolicyRow);
  }

  async list(name: string): Promise<PolicyVersionSummary[]> {
    const policy = this.#requirePolicy(name);
    return (this.#selectVersions.all(name) as VersionRow[]).map((row) => ({
      ...this.#versionFields(row),
      active: row.version === policy.active_version,
    }));
  }

  async get(name: string, version: number): Promise<PolicyVersion<Document>> {
    const row = this.#selectVersion.get(name, version) as VersionRow | undefined;
    if (row === undefined) {
      this.#requirePolicy(name);
      throw new PolicyVersionNotFoundError(name, version);
    }
    return { ...this.#versionFields(row), document: this.#loadDocument(name, version) };
  }

  async active(name: string): Promise<PolicyVersion<Document> | undefined> {
    this.#checkCache();
    if (this.#activeVersions.has(name)) return this.#activeVersions.get(name);
    const policy = this.#selectPolicy.get(name) as PolicyRow | undefined;
    const active =
      policy === undefined ? undefined : Object.freeze(await this.get(name, policy.active_version));
    this.#activeVersions.set(name, active);
    return active;
  }

  /** Drops cached answers when another connection committed since they were read. */
  #checkCache(): void {
    const stamp = (this.#dataVersion.get() as { data_version: number }).data_version;
    if (stamp === this.#cacheStamp) return;
    this.#cacheStamp = stamp;
    this.#invalidate();
  }

  /** A change and its audit record in one transaction; cached answers go with it. */
  #write<T>(change: (append: AppendInTransaction) => T): T {
    try {
      return this.#auditLog.transaction(change);
    } finally {
      this.#invalidate();
    }
  }

  /** This connection changed policies (its own commits leave the data version alone). */
  #invalidate(): void {
    this.#resolved.clear();
    this.#activeVersions.clear();
  }

  async rollback(name: string, version: number, actor: string): Promise<PolicyVersion<Document>> {
    // Validate outside the lock: a version the current schema rejects must not go live.
    const target = await this.get(name, version);
    this.#write((append) => {
      const policy = this.#requirePolicy(name);
      if (policy.active_version === version) throw new PolicyVersionActiveError(name, version);
      this.#setActive.run({ name, version, now: this.#now().toISOString() });
      append({
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
    const key = this.#bindingKey(target, policyName);
    return this.#write((append) => {
      this.#requirePolicy(policyName);
      this.#upsertBinding.run({ ...key, policyName, now: this.#now().toISOString(), actor });
      append({ type: 'policy-bound', actor, payload: { policyName, ...bindingPayload(key) } });
      return bindingFromRow(this.#selectBinding.get(key) as BindingRow);
    });
  }

  async unbind(target: PolicyBindingTarget, actor: string): Promise<boolean> {
    const key = this.#bindingKey(target, DEFAULT_POLICY_NAME);
    return this.#write((append) => {
      const existing = this.#selectBinding.get(key) as BindingRow | undefined;
      if (existing === undefined) return false;
      this.#deleteBinding.run(key);
      append({
        type: 'policy-unbound',
        actor,
        payload: { policyName: existing.policy_name, ...bindingPayload(key) },
      });
      return true;
    });
  }

  async bindings(): Promise<PolicyBinding[]> {
    return (this.#selectBindings.all() as BindingRow[]).map(bindingFromRow);
  }

  async resolve(selector: { model: string; route?: string }): Promise<string> {
    this.#checkCache();
    const route = selector.route ?? '';
    const key = `${selector.model}\u0000${route}`;
    const cached = this.#resolved.get(key);
    if (cached !== undefined) return cached;
    const row = this.#resolveBinding.get({ model: selector.model, route }) as
      | { policy_name: string }
      | undefined;
    const name = row?.policy_name ?? DEFAULT_POLICY_NAME;
    this.#resolved.set(key, name);
    return name;
  }

  #requirePolicy(name: string): PolicyRow {
    const policy = this.#selectPolicy.get(name) as PolicyRow | undefined;
    if (policy === undefined) throw new PolicyNotFoundError(name);
    return policy;
  }

  #bindingKey(target: PolicyBindingTarget, policyName: string): { model: string; route: string } {
    const model = target.model ?? '';
    const route = target.route ?? '';
    if (model === '' && route === '') {
      throw new PolicyValidationError(policyName, [
        { path: 'target', message: 'a binding needs a model, a route or both' },
      ]);
    }
    return { model, route };
  }

  #versionFields(row: VersionRow): Omit<PolicyVersion<Document>, 'document'> {
    return {
      name: row.name,
      version: row.version,
      label: formatPolicyVersion(row.name, row.version),
      documentSha256: row.document_sha256,
      publishedAt: row.published_at,
      publishedBy: row.published_by,
    };
  }

  #loadDocument(name: string, version: number): Document {
    const label = formatPolicyVersion(name, version);
    const cached = this.#documents.get(label);
    if (cached !== undefined) return cached;
    const row = this.#selectDocument.get(name, version) as { document: string };
    const result = this.#validate(JSON.parse(row.document));
    if (!result.ok) throw new PolicyValidationError(label, result.issues);
    this.#documents.set(label, result.value);
    return result.value;
  }
}
