/**
 * The audit key cannot be used: malformed, too short, given twice, or missing where the
 * command must not make one. Raised when the governance stores or the `sluice audit`
 * command start, never while serving a request; its message never holds a secret.
 */

const AUDIT_KEY_ERROR = Symbol.for('sluice.governance.audit-key-error');

export class AuditKeyError extends Error {
  readonly [AUDIT_KEY_ERROR] = true;
  override readonly name = 'AuditKeyError';
  readonly retryable = false;

  static isInstance(value: unknown): value is AuditKeyError {
    return typeof value === 'object' && value !== null && AUDIT_KEY_ERROR in value;
  }
}
