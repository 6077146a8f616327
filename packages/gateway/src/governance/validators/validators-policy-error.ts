/**
 * A validators policy document that cannot be used. Each issue names the path of the
 * offending field (`forbiddenPatterns.1.pattern`), so an operator can fix the document;
 * the policy that was running stays in force.
 */

const VALIDATORS_POLICY_ERROR = Symbol.for('sluice.governance.validators-policy-error');

export interface PolicyIssue {
  /** Dotted path inside the validators policy, e.g. `jsonSchema.schema`; empty for the root. */
  path: string;
  message: string;
}

export class ValidatorsPolicyError extends Error {
  readonly [VALIDATORS_POLICY_ERROR] = true;
  override readonly name = 'ValidatorsPolicyError';
  readonly retryable = false;
  readonly issues: readonly PolicyIssue[];

  constructor(issues: readonly PolicyIssue[]) {
    super(
      `Invalid validators policy: ${issues
        .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
        .join('; ')}`,
    );
    this.issues = issues;
  }

  static isInstance(value: unknown): value is ValidatorsPolicyError {
    return typeof value === 'object' && value !== null && VALIDATORS_POLICY_ERROR in value;
  }
}
