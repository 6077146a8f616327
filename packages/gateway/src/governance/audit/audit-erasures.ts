/**
 * Which erased payloads the chain itself accounts for. A payload may only be missing
 * (NULL) when a later record says it was erased: a `retention-purged` record whose cutoff
 * is after the record was written, or a `content-deleted` tombstone that purged payloads
 * of the record's generation, session (in its tenant) or end user. Anything else is a
 * payload someone removed, and verification names it.
 *
 * The erasure records are read first (they are few, and their own payloads are never
 * purged); the chain pass then checks each missing payload in constant time. Erasure
 * records are verified by that same pass, so a forged one still fails the chain.
 */
import type { AuditRecord } from './audit-record.ts';

export const ERASURE_RECORD_TYPES = ['retention-purged', 'content-deleted'] as const;

/** The latest sequence at which each subject had its payloads erased. */
type Latest = Map<string, number>;

function note(map: Latest, key: string, sequence: number): void {
  map.set(key, Math.max(map.get(key) ?? 0, sequence));
}

function sessionKey(tenant: string | undefined, sessionId: string): string {
  return `${tenant ?? '*'}\u0000${sessionId}`;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === 'string') : [];
}

export class AuditErasureIndex {
  /** Retention purges by sequence, with the latest cutoff from each one onwards. */
  readonly #retentionSequences: number[] = [];
  readonly #laterCutoffs: string[] = [];
  readonly #generations: Latest = new Map();
  readonly #sessions: Latest = new Map();
  readonly #endUsers: Latest = new Map();

  /** Builds the index from the erasure records, in sequence order. */
  constructor(erasures: Iterable<AuditRecord>) {
    const cutoffs: string[] = [];
    for (const record of erasures) {
      const payload = record.payload;
      if (payload === null) continue;
      if (record.type === 'retention-purged') {
        if (typeof payload.cutoff !== 'string') continue;
        this.#retentionSequences.push(record.sequence);
        cutoffs.push(payload.cutoff);
      } else if (record.type === 'content-deleted') {
        if (typeof payload.purgedAuditPayloads !== 'number' || payload.purgedAuditPayloads <= 0) {
          continue;
        }
        for (const id of strings(payload.generationIds))
          note(this.#generations, id, record.sequence);
        for (const pseudonym of strings(payload.endUserPseudonyms)) {
          note(this.#endUsers, pseudonym, record.sequence);
        }
        if (payload.scope === 'session' && record.sessionId !== undefined) {
          note(this.#sessions, sessionKey(record.tenant, record.sessionId), record.sequence);
        }
      }
    }
    let latest = '';
    for (let index = cutoffs.length - 1; index >= 0; index -= 1) {
      const cutoff = cutoffs[index] as string;
      if (cutoff > latest) latest = cutoff;
      this.#laterCutoffs[index] = latest;
    }
  }

  /** Whether a later erasure record accounts for this record's missing payload. */
  explains(record: AuditRecord): boolean {
    const after = (map: Latest, key: string | undefined) =>
      key !== undefined && (map.get(key) ?? 0) > record.sequence;
    if (after(this.#generations, record.generationId)) return true;
    if (after(this.#endUsers, record.endUserPseudonym)) return true;
    if (record.sessionId !== undefined) {
      if (after(this.#sessions, sessionKey(record.tenant, record.sessionId))) return true;
      if (after(this.#sessions, sessionKey(undefined, record.sessionId))) return true;
    }
    const first = this.#firstRetentionAfter(record.sequence);
    return (
      first < this.#laterCutoffs.length && record.recordedAt < (this.#laterCutoffs[first] as string)
    );
  }

  /** Index of the first retention purge recorded after `sequence` (binary search). */
  #firstRetentionAfter(sequence: number): number {
    let low = 0;
    let high = this.#retentionSequences.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#retentionSequences[middle] as number) > sequence) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
