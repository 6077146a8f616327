/**
 * The policy tables' rows as both policy stores (SQLite and PostgreSQL) read them, and how
 * a row becomes a `PolicySummary` or a `PolicyBinding`: one mapping, so the two stores
 * cannot drift apart. A binding's empty model or route means "any".
 */
import { hashAuditPayload } from '../audit/audit-hash.ts';
import { canonicalJson } from '../audit/canonical-json.ts';
import { PolicyValidationError } from './policy-errors.ts';
import { formatPolicyVersion, policyNameIssues } from './policy-names.ts';
import type {
  PolicyBinding,
  PolicyBindingTarget,
  PolicySummary,
  PolicyVersion,
  ValidatePolicyDocument,
} from './policy-store.ts';

export type PolicyRow = {
  name: string;
  active_version: number;
  latest_version: number;
  updated_at: string;
};

export type VersionRow = {
  name: string;
  version: number;
  document_sha256: string;
  published_at: string;
  published_by: string;
};

export type BindingRow = {
  model: string;
  route: string;
  policy_name: string;
  bound_at: string;
  bound_by: string;
};

export function summaryFromPolicyRow(row: PolicyRow): PolicySummary {
  return {
    name: row.name,
    activeVersion: row.active_version,
    latestVersion: row.latest_version,
    updatedAt: row.updated_at,
  };
}

export function bindingFromRow(row: BindingRow): PolicyBinding {
  return {
    ...(row.model === '' ? {} : { model: row.model }),
    ...(row.route === '' ? {} : { route: row.route }),
    policyName: row.policy_name,
    boundAt: row.bound_at,
    boundBy: row.bound_by,
  };
}

export function bindingPayload(key: { model: string; route: string }): PolicyBindingTarget {
  return {
    ...(key.model === '' ? {} : { model: key.model }),
    ...(key.route === '' ? {} : { route: key.route }),
  };
}

/** A document checked for publication: valid, in canonical JSON, with its hash. */
export interface PolicyPublication<Document> {
  document: Document;
  documentJson: string;
  documentSha256: string;
}

/**
 * Checks a policy name and document before either store publishes them; throws
 * `PolicyValidationError` with paths.
 */
export function preparePolicyPublication<Document>(
  name: string,
  document: unknown,
  validate: ValidatePolicyDocument<Document>,
): PolicyPublication<Document> {
  const nameIssues = policyNameIssues(name);
  if (nameIssues.length > 0) throw new PolicyValidationError(name, nameIssues);
  const result = validate(document);
  if (!result.ok) throw new PolicyValidationError(name, result.issues);
  let documentJson: string;
  try {
    documentJson = canonicalJson(document);
  } catch (error) {
    throw new PolicyValidationError(name, [{ path: '', message: (error as Error).message }]);
  }
  return { document: result.value, documentJson, documentSha256: hashAuditPayload(documentJson) };
}

/** The version a publication became. */
export function publishedPolicyVersion<Document>(
  name: string,
  version: number,
  publication: PolicyPublication<Document>,
  publishedAt: string,
  actor: string,
): PolicyVersion<Document> {
  return {
    name,
    version,
    label: formatPolicyVersion(name, version),
    document: publication.document,
    documentSha256: publication.documentSha256,
    publishedAt,
    publishedBy: actor,
  };
}
