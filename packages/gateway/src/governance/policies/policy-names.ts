/**
 * Policy names and version labels. Names are restricted so that `name@version` labels,
 * URLs and CLI arguments never need escaping.
 */
import type { PolicyValidationIssue } from './policy-errors.ts';

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function policyNameIssues(name: string): PolicyValidationIssue[] {
  if (POLICY_NAME.test(name)) return [];
  return [
    {
      path: 'name',
      message:
        'must be 1-64 letters, digits, dots, dashes or underscores, not starting with one of the last three',
    },
  ];
}

export function formatPolicyVersion(name: string, version: number): string {
  return `${name}@${version}`;
}

/** Parses `name@version`; undefined when the label is not one. */
export function parsePolicyVersion(label: string): { name: string; version: number } | undefined {
  const at = label.lastIndexOf('@');
  if (at <= 0) return undefined;
  const name = label.slice(0, at);
  const version = Number(label.slice(at + 1));
  if (!POLICY_NAME.test(name) || !Number.isSafeInteger(version) || version < 1) return undefined;
  return { name, version };
}
