/**
 * The governance database cannot be used: its schema is newer than this build, or the
 * file cannot be opened. Raised when a store is opened, never while serving a request.
 */

const GOVERNANCE_DATABASE_ERROR = Symbol.for('sluice.governance.database-error');

export class GovernanceDatabaseError extends Error {
  readonly [GOVERNANCE_DATABASE_ERROR] = true;
  override readonly name = 'GovernanceDatabaseError';
  readonly retryable = false;

  static isInstance(value: unknown): value is GovernanceDatabaseError {
    return typeof value === 'object' && value !== null && GOVERNANCE_DATABASE_ERROR in value;
  }
}
