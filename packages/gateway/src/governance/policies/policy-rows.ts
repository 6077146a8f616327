/**
 * The policy tables' rows as both policy stores (SQLite and PostgreSQL) read them, and how
 * a row becomes a `PolicySummary` or a `PolicyBinding`: one mapping, so the two stores
 * cannot drift apart. A binding's empty model or route means "any".
 */
import type { PolicyBinding, PolicyBindingTarget, PolicySummary } from './policy-store.ts';

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
