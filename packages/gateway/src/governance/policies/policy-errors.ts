/**
 * Errors of the policy store. Each carries a marker for `isInstance()` (safe across
 * module copies) and the HTTP status the API should answer with; none is retryable.
 */

const POLICY_VALIDATION_ERROR = Symbol.for('sluice.governance.policy-validation-error');
const POLICY_NOT_FOUND_ERROR = Symbol.for('sluice.governance.policy-not-found-error');
const POLICY_VERSION_NOT_FOUND_ERROR = Symbol.for(
  'sluice.governance.policy-version-not-found-error',
);
const POLICY_VERSION_ACTIVE_ERROR = Symbol.for('sluice.governance.policy-version-active-error');

export type PolicyValidationIssue = { path: string; message: string };

/** The document (or the policy name) was rejected; nothing was stored. */
export class PolicyValidationError extends Error {
  readonly [POLICY_VALIDATION_ERROR] = true;
  override readonly name = 'PolicyValidationError';
  readonly status = 400;
  readonly retryable = false;
  readonly issues: readonly PolicyValidationIssue[];

  constructor(policyName: string, issues: readonly PolicyValidationIssue[]) {
    const summary = issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
    super(`Policy ${policyName} is invalid: ${summary.join('; ')}`);
    this.issues = issues;
  }

  static isInstance(value: unknown): value is PolicyValidationError {
    return typeof value === 'object' && value !== null && POLICY_VALIDATION_ERROR in value;
  }
}

export class PolicyNotFoundError extends Error {
  readonly [POLICY_NOT_FOUND_ERROR] = true;
  override readonly name = 'PolicyNotFoundError';
  readonly status = 404;
  readonly retryable = false;
  readonly policyName: string;

  constructor(policyName: string) {
    super(`Policy ${policyName} does not exist`);
    this.policyName = policyName;
  }

  static isInstance(value: unknown): value is PolicyNotFoundError {
    return typeof value === 'object' && value !== null && POLICY_NOT_FOUND_ERROR in value;
  }
}

export class PolicyVersionNotFoundError extends Error {
  readonly [POLICY_VERSION_NOT_FOUND_ERROR] = true;
  override readonly name = 'PolicyVersionNotFoundError';
  readonly status = 404;
  readonly retryable = false;
  readonly policyName: string;
  readonly version: number;

  constructor(policyName: string, version: number) {
    super(`Policy ${policyName} has no version ${version}`);
    this.policyName = policyName;
    this.version = version;
  }

  static isInstance(value: unknown): value is PolicyVersionNotFoundError {
    return typeof value === 'object' && value !== null && POLICY_VERSION_NOT_FOUND_ERROR in value;
  }
}

/** A rollback to the version that is already active: a conflict, not a silent success. */
export class PolicyVersionActiveError extends Error {
  readonly [POLICY_VERSION_ACTIVE_ERROR] = true;
  override readonly name = 'PolicyVersionActiveError';
  readonly status = 409;
  readonly retryable = false;
  readonly policyName: string;
  readonly version: number;

  constructor(policyName: string, version: number) {
    super(`Version ${version} of policy ${policyName} is already active`);
    this.policyName = policyName;
    this.version = version;
  }

  static isInstance(value: unknown): value is PolicyVersionActiveError {
    return typeof value === 'object' && value !== null && POLICY_VERSION_ACTIVE_ERROR in value;
  }
}
