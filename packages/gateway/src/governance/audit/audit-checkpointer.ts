/**
 * Keeps the checkpoint up with the chain head, off the path that appends: a committed
 * batch only notes its head; the file is written after it, at most once per interval and
 * one write at a time, always with the newest head noted. `flush()` writes what is noted
 * at once (closing, the CLI before it exits).
 *
 * A checkpoint never moves back: before writing, the stored one is read, and one that a
 * known key signed for a later or equal sequence (another process sharing the database)
 * is left alone. One that disappeared or is not authentic is replaced, with a warning,
 * since that is what a truncation would try to arrange.
 */
import {
  type AuditCheckpointStore,
  isAuthenticCheckpoint,
  signAuditCheckpoint,
} from './audit-checkpoint.ts';
import type { AuditKeyring } from './audit-keyring.ts';

export interface AuditCheckpointerOptions {
  store: AuditCheckpointStore;
  keyring: AuditKeyring;
  /** Sequence of the last record when the log was opened (0: empty). */
  openedAtSequence: number;
  /** Shortest time between two writes; default 1,000 ms. */
  intervalMs?: number;
  now?: () => Date;
  onWarning?: (message: string) => void;
}

interface Head {
  sequence: number;
  hash: string;
}

export class AuditCheckpointer {
  readonly #options: AuditCheckpointerOptions;
  readonly #intervalMs: number;
  readonly #now: () => Date;
  #noted: Head | undefined;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #wroteOnce = false;

  constructor(options: AuditCheckpointerOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#now = options.now ?? (() => new Date());
  }

  get store(): AuditCheckpointStore {
    return this.#options.store;
  }

  /** Notes a committed head; the write follows. */
  advance(head: Head): void {
    if (this.#noted !== undefined && head.sequence <= this.#noted.sequence) return;
    this.#noted = head;
    this.#schedule();
  }

  /** Resolves once the newest noted head is written (or was already covered). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#writing !== undefined || this.#noted !== undefined) {
      if (this.#writing === undefined) this.#start();
      await this.#writing;
    }
  }

  #schedule(): void {
    if (this.#writing !== undefined || this.#timer !== undefined) return;
    const wait = this.#lastWriteAt + this.#intervalMs - performance.now();
    if (wait <= 0) {
      this.#start();
      return;
    }
    this.#timer = setTimeout(() => this.#start(), wait);
    // Pending checkpoints never keep a process alive; close() flushes them.
    this.#timer.unref();
  }

  #start(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const head = this.#noted;
    if (head === undefined) return;
    this.#noted = undefined;
    this.#writing = this.#write(head)
      .catch((error: unknown) => {
        this.#warn(
          `Writing the audit checkpoint to ${this.store.location} failed: ${String(error)}`,
        );
      })
      .finally(() => {
        this.#writing = undefined;
        this.#lastWriteAt = performance.now();
        if (this.#noted !== undefined) this.#schedule();
      });
  }

  async #write(head: Head): Promise<void> {
    const { store, keyring } = this.#options;
    const stored = await store.read();
    if (stored.status === 'present') {
      if (isAuthenticCheckpoint(keyring, stored.checkpoint)) {
        if (stored.checkpoint.sequence >= head.sequence) return;
      } else {
        this.#warn(
          `The audit checkpoint at ${store.location} is not signed by a known audit key; replacing it at sequence ${head.sequence}`,
        );
      }
    } else if (stored.status === 'invalid') {
      this.#warn(
        `The audit checkpoint at ${store.location} is unreadable (${stored.reason}); replacing it at sequence ${head.sequence}`,
      );
    } else if (this.#wroteOnce || this.#options.openedAtSequence > 0) {
      this.#warn(
        `The audit checkpoint at ${store.location} is missing although the chain has records; starting a new one at sequence ${head.sequence}`,
      );
    }
    await store.write(signAuditCheckpoint(keyring.current, head, this.#now()));
    this.#wroteOnce = true;
  }

  #warn(message: string): void {
    this.#options.onWarning?.(message);
  }
}

/** The checkpoint settings both audit logs (SQLite, PostgreSQL) take. */
export interface AuditLogCheckpointOptions {
  /** Where checkpoints of the chain head go; without one, truncation is not detected. */
  checkpoints?: AuditCheckpointStore;
  /** Shortest time between two checkpoint writes; default 1,000 ms. */
  checkpointIntervalMs?: number;
  /** Checkpoint trouble an operator should see (a replaced or missing checkpoint). */
  onWarning?: (message: string) => void;
}

/** An audit log's checkpointer, or undefined when it has no checkpoint store. */
export function auditLogCheckpointer(
  options: AuditLogCheckpointOptions,
  keyring: AuditKeyring,
  openedAtSequence: number,
  now: () => Date,
): AuditCheckpointer | undefined {
  if (options.checkpoints === undefined) return undefined;
  return new AuditCheckpointer({
    store: options.checkpoints,
    keyring,
    openedAtSequence,
    now,
    ...(options.checkpointIntervalMs === undefined
      ? {}
      : { intervalMs: options.checkpointIntervalMs }),
    ...(options.onWarning === undefined ? {} : { onWarning: options.onWarning }),
  });
}
