/**
 * Reader audit without a row per connection. A finished read becomes one `reader-session`
 * record (where it started, how far it got, why it ended) — while its API key is within
 * its rate of reader records. Past that rate, the key's further reads of a generation
 * over a transport are folded into one record with counts, written when the minute is
 * over. A client reconnecting 5,000 times, or long-polling all day, so adds a bounded
 * number of permanent rows, and nothing is unaccounted for: every read is counted in some
 * record.
 *
 * Bounded memory: at most `maxAggregatesPerKey` folded sessions per key (the oldest is
 * written early beyond that); one timer per key with folded reads. Nothing here runs per
 * token: only when a read ends.
 */
import type { AuditRecordInput } from './audit-record.ts';

export interface FinishedRead {
  /** The API key that read: the unit of the rate. */
  keyId: string;
  subject: { generationId: string; tenant: string; sessionId?: string; endUserId?: string };
  readerId: string;
  transport: string;
  fromOffset: string;
  /** The offset the read reached. */
  reached: string;
  reason: string;
  resumed: boolean;
  attachedAt: Date;
  detachedAt: Date;
}

export interface ReaderSessionAggregatorOptions {
  emit: (input: AuditRecordInput) => void;
  /** Reader records one key may cause per minute (also the burst) before reads are folded. */
  recordsPerKeyPerMinute: number;
  /** Folded sessions one key may hold; default 100. */
  maxAggregatesPerKey?: number;
  /** Monotonic milliseconds, for the rate; default `performance.now`. */
  now?: () => number;
}

const WINDOW_MS = 60_000;

interface Session {
  read: FinishedRead;
  reads: number;
  resumed: number;
  reached: string;
  reasons: Record<string, number>;
  detachedAt: Date;
}

interface KeyState {
  tokens: number;
  refilledAt: number;
  folded: Map<string, Session>;
  timer: NodeJS.Timeout | undefined;
}

function startSession(read: FinishedRead): Session {
  return {
    read,
    reads: 1,
    resumed: read.resumed ? 1 : 0,
    reached: read.reached,
    reasons: { [read.reason]: 1 },
    detachedAt: read.detachedAt,
  };
}

export class ReaderSessionAggregator {
  readonly #options: ReaderSessionAggregatorOptions;
  readonly #now: () => number;
  readonly #maxFolded: number;
  readonly #keys = new Map<string, KeyState>();

  constructor(options: ReaderSessionAggregatorOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#maxFolded = options.maxAggregatesPerKey ?? 100;
  }

  readerFinished(read: FinishedRead): void {
    const state = this.#stateOf(read.keyId);
    const foldKey = `${read.subject.generationId}\u0000${read.transport}`;
    const folded = state.folded.get(foldKey);
    if (folded !== undefined) {
      folded.reads += 1;
      if (read.resumed) folded.resumed += 1;
      if (read.reached > folded.reached) folded.reached = read.reached;
      folded.reasons[read.reason] = (folded.reasons[read.reason] ?? 0) + 1;
      folded.detachedAt = read.detachedAt;
      return;
    }
    if (this.#take(state)) {
      this.#emit(startSession(read));
      return;
    }
    if (state.folded.size >= this.#maxFolded) {
      const [oldestKey, oldest] = state.folded.entries().next().value as [string, Session];
      state.folded.delete(oldestKey);
      this.#emit(oldest);
    }
    state.folded.set(foldKey, startSession(read));
    state.timer ??= setTimeout(() => this.#flushKey(read.keyId), WINDOW_MS);
    // Folded reads never keep a process alive; close() writes them.
    state.timer.unref();
  }

  /** Writes every folded session now. */
  flush(): void {
    for (const keyId of [...this.#keys.keys()]) this.#flushKey(keyId);
  }

  close(): void {
    this.flush();
    this.#keys.clear();
  }

  #stateOf(keyId: string): KeyState {
    let state = this.#keys.get(keyId);
    if (state === undefined) {
      state = {
        tokens: this.#options.recordsPerKeyPerMinute,
        refilledAt: this.#now(),
        folded: new Map(),
        timer: undefined,
      };
      this.#keys.set(keyId, state);
    }
    return state;
  }

  /** Takes one record from the key's bucket, refilled at the configured rate. */
  #take(state: KeyState): boolean {
    const capacity = this.#options.recordsPerKeyPerMinute;
    const now = this.#now();
    state.tokens = Math.min(
      capacity,
      state.tokens + ((now - state.refilledAt) * capacity) / WINDOW_MS,
    );
    state.refilledAt = now;
    if (state.tokens < 1) return false;
    state.tokens -= 1;
    return true;
  }

  #flushKey(keyId: string): void {
    const state = this.#keys.get(keyId);
    if (state === undefined) return;
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    const sessions = [...state.folded.values()];
    state.folded.clear();
    for (const session of sessions) this.#emit(session);
  }

  #emit(session: Session): void {
    const { read } = session;
    this.#options.emit({
      type: 'reader-session',
      ...read.subject,
      actor: read.keyId,
      payload: {
        readerId: read.readerId,
        transport: read.transport,
        reads: session.reads,
        resumed: session.resumed,
        fromOffset: read.fromOffset,
        offset: session.reached,
        reasons: session.reasons,
        attachedAt: read.attachedAt.toISOString(),
        detachedAt: session.detachedAt.toISOString(),
      },
    });
  }
}
