/**
 * Errors of the policy store. Each carries a marker for `isInstance()` (safe across
 * module copies) and its catalogue code (the HTTP status follows); none is retryable.
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';

export type PolicyValidationIssue = { path: string; message: string };

/** An issue the guardrails or validators wrote for an exceeded size limit (`limitExceeded`). */
const LIMIT_ISSUE = /^limit [A-Za-z]+ exceeded: /;

/**
 * The document (or the policy name) was rejected; nothing was stored. When an issue is
 * an exceeded size limit (`limit <name> exceeded: …`: too many patterns or terms, or
 * patterns that compile too large), the code is `SLUICE_ERR_POLICY_TOO_LARGE` (413):
 * the operator shrinks or splits the policy rather than fixing a mistake.
 */
export class PolicyValidationError extends SluiceError {
  static override readonly isInstance = errorGuard<PolicyValidationError>('PolicyValidationError');
  override readonly name = 'PolicyValidationError';
  readonly code: 'SLUICE_ERR_POLICY_INVALID' | 'SLUICE_ERR_POLICY_TOO_LARGE';
  readonly issues: readonly PolicyValidationIssue[];

  constructor(policyName: string, issues: readonly PolicyValidationIssue[]) {
    const summary = issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
    const tooLarge = issues.some((issue) => LIMIT_ISSUE.test(issue.message));
    super(`Policy ${policyName} is ${tooLarge ? 'too large' : 'invalid'}: ${summary.join('; ')}`);
    this.code = tooLarge ? 'SLUICE_ERR_POLICY_TOO_LARGE' : 'SLUICE_ERR_POLICY_INVALID';
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
