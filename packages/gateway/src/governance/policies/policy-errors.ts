/**
 * Errors of the policy store. Each carries a marker for `isInstance()` (safe across
 * module copies) and its catalogue code (the HTTP status follows); none is retryable.
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export type PolicyValidationIssue = { path: string; message: string };

/** The document (or the policy name) was rejected; nothing was stored. */
export class PolicyValidationError extends SluiceError {
  static override readonly isInstance = errorGuard<PolicyValidationError>('PolicyValidationError');
  override readonly name = 'PolicyValidationError';
  readonly code = 'SLUICE_ERR_POLICY_INVALID' as const;
  readonly issues: readonly PolicyValidationIssue[];

  constructor(policyName: string, issues: readonly PolicyValidationIssue[]) {
    const summary = issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
    super(`Policy ${policyName} is invalid: ${summary.join('; ')}`);
    this.issues = issues;
  }
}

export class PolicyNotFoundError extends SluiceError {
  static override readonly isInstance = errorGuard<PolicyNotFoundError>('PolicyNotFoundError');
  override readonly name = 'PolicyNotFoundError';
  readonly code = 'SLUICE_ERR_POLICY_NOT_FOUND' as const;
  readonly policyName: string;

  constructor(policyName: string) {
    super(`Policy ${policyName} does not exist`);
    this.policyName = policyName;
  }
}

export class PolicyVersionNotFoundError extends SluiceError {
  static override readonly isInstance = errorGuard<PolicyVersionNotFoundError>(
    'PolicyVersionNotFoundError',
  );
  override readonly name = 'PolicyVersionNotFoundError';
  readonly code = 'SLUICE_ERR_POLICY_NOT_FOUND' as const;
  readonly policyName: string;
  readonly version: number;

  constructor(policyName: string, version: number) {
    super(`Policy ${policyName} has no version ${version}`);
    this.policyName = policyName;
    this.version = version;
  }
}

/** A rollback to the version that is already active: a conflict, not a silent success. */
export class PolicyVersionActiveError extends SluiceError {
  static override readonly isInstance = errorGuard<PolicyVersionActiveError>(
    'PolicyVersionActiveError',
  );
  override readonly name = 'PolicyVersionActiveError';
  readonly code = 'SLUICE_ERR_POLICY_VERSION_ACTIVE' as const;
  readonly policyName: string;
  readonly version: number;

  constructor(policyName: string, version: number) {
    super(`Version ${version} of policy ${policyName} is already active`);
    this.policyName = policyName;
    this.version = version;
  }
}
