/**
 * Audit records from the generation path and request handling, written without holding
 * up tokens: appends are queued (the audit log batches and keeps their order) and a
 * failure is reported to the logger instead of failing the generation. Finished reads go
 * through the reader-session aggregator, so readers cost a bounded number of rows per key.
 */
import type { AuditLog } from '../governance/audit/audit-log.ts';
import type { AuditRecordInput } from '../governance/audit/audit-record.ts';
import {
  type FinishedRead,
  ReaderSessionAggregator,
} from '../governance/audit/reader-session-aggregator.ts';

export type AuditErrorReporter = (error: unknown) => void;

export interface AuditTrailOptions {
  /** Reader records one API key may cause per minute before its reads are folded; default 60. */
  readerRecordsPerKeyPerMinute?: number;
}

export class AuditTrail {
  readonly #log: AuditLog;
  readonly #onError: AuditErrorReporter;
  readonly #readers: ReaderSessionAggregator;

  constructor(log: AuditLog, onError: AuditErrorReporter, options: AuditTrailOptions = {}) {
    this.#log = log;
    this.#onError = onError;
    this.#readers = new ReaderSessionAggregator({
      // Through `record`, late-bound, so everything the trail writes takes one path.
      emit: (input) => this.record(input),
      recordsPerKeyPerMinute: options.readerRecordsPerKeyPerMinute ?? 60,
    });
  }

  record(input: AuditRecordInput): void {
    this.#log.append(input).catch(this.#onError);
  }

  /** A read of a generation's log ended: one record per reader session, folded past the rate. */
  readerFinished(read: FinishedRead): void {
    this.#readers.readerFinished(read);
  }

  /** Writes folded reader sessions now and resolves once every record is committed. */
  async flush(): Promise<void> {
    this.#readers.flush();
    await this.#log.flush();
  }

  /** Writes what is folded and stops the timers; the log itself is closed by its owner. */
  close(): void {
    this.#readers.close();
  }
}
