/**
 * Audit records from the generation path, written without holding up tokens: appends
 * are queued (the audit log batches and keeps their order) and a failure is reported
 * to the logger instead of failing the generation.
 */
import type { AuditLog } from '../governance/audit/audit-log.ts';
import type { AuditRecordInput } from '../governance/audit/audit-record.ts';

export type AuditErrorReporter = (error: unknown) => void;

export class AuditTrail {
  readonly #log: AuditLog;
  readonly #onError: AuditErrorReporter;

  constructor(log: AuditLog, onError: AuditErrorReporter) {
    this.#log = log;
    this.#onError = onError;
  }

  record(input: AuditRecordInput): void {
    this.#log.append(input).catch(this.#onError);
  }
}
