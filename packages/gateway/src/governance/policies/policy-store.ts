/**
 * The versioned policy contract. A policy is a named document (guardrails, validators,
 * review rules) whose published versions are immutable and numbered from 1; one version
 * per policy is active. Publishing validates first, so a bad document never replaces
 * the active one. Bindings select a policy per model, per route, or per both.
 *
 * The embedded store is SQLite (`sqlite-policy-store.ts`); a PostgreSQL store will
 * implement this interface and pass `policy-store-conformance.ts`.
 */
import type { PolicyValidationIssue } from './policy-errors.ts';

export type PolicyValidationResult<Document> =
  | { ok: true; value: Document }
  | { ok: false; issues: PolicyValidationIssue[] };

/** The policy document schema, composed elsewhere; also run when a stored version is loaded. */
export type ValidatePolicyDocument<Document> = (
  document: unknown,
) => PolicyValidationResult<Document>;

/** The policy that applies when no binding matches. */
export const DEFAULT_POLICY_NAME = 'default';

export type PolicyVersion<Document> = {
  name: string;
  version: number;
  /** `name@version`, what a generation records as its `policyVersion`. */
  label: string;
  /** The validated document (the validator's `value`). */
  document: Document;
  /** SHA-256 of the canonical JSON of the document as published. */
  documentSha256: string;
  publishedAt: string;
  publishedBy: string;
};

export type PolicyVersionSummary = Omit<PolicyVersion<unknown>, 'document'> & { active: boolean };

export type PolicySummary = {
  name: string;
  activeVersion: number;
  latestVersion: number;
  updatedAt: string;
};

/** What a binding applies to: a model, a route, or both (the most specific wins). */
export type PolicyBindingTarget = { model?: string; route?: string };

export type PolicyBinding = PolicyBindingTarget & {
  policyName: string;
  boundAt: string;
  boundBy: string;
};

export interface PolicyStore<Document> {
  readonly specificationVersion: 'v1';

  /**
   * Validates and stores version n+1 of `name` and makes it active (creating the policy
   * at version 1). Throws `PolicyValidationError` with paths (code
   * `SLUICE_ERR_POLICY_TOO_LARGE` when an issue is an exceeded size limit); the active
   * version stays.
   */
  publish(name: string, document: unknown, actor: string): Promise<PolicyVersion<Document>>;

  /** Every policy with its active and latest versions, by name. */
  policies(): Promise<PolicySummary[]>;

  /** The versions of one policy, oldest first. Throws `PolicyNotFoundError`. */
  list(name: string): Promise<PolicyVersionSummary[]>;

  /** One version. Throws `PolicyNotFoundError` or `PolicyVersionNotFoundError`. */
  get(name: string, version: number): Promise<PolicyVersion<Document>>;

  /** The active version, or undefined when the policy was never published. */
  active(name: string): Promise<PolicyVersion<Document> | undefined>;

  /**
   * Makes another published version (normally an earlier one) active, atomically;
   * later versions stay stored, and publishing again continues after the latest. Throws
   * `PolicyNotFoundError`, `PolicyVersionNotFoundError`, `PolicyVersionActiveError`, or
   * `PolicyValidationError` when the stored document no longer passes validation.
   */
  rollback(name: string, version: number, actor: string): Promise<PolicyVersion<Document>>;

  /** Binds a published policy to a model, a route or both, replacing an earlier binding. */
  bind(target: PolicyBindingTarget, policyName: string, actor: string): Promise<PolicyBinding>;

  /** Removes the binding for exactly this target; false when there was none. */
  unbind(target: PolicyBindingTarget, actor: string): Promise<boolean>;

  bindings(): Promise<PolicyBinding[]>;

  /**
   * The policy name for a request: a binding on both model and route, else on the
   * model, else on the route, else `default`.
   */
  resolve(selector: { model: string; route?: string }): Promise<string>;
}
