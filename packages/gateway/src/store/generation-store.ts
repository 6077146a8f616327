/**
 * The generation record contract (`GenerationStore`), versioned like `StreamStore`: records
 * of generations any node can read, compare-and-set status transitions so exactly one node
 * ends a generation, lists by session and end user for export and deletion, and a control
 * channel that carries cancel requests to whichever node runs the producer. Stores pass the
 * shared conformance suite in `generation-store-conformance.ts` — memory now, Redis next.
 */
import type { GenerationStatus } from '@sluice/protocol';
import type {
  GenerationRecord,
  GenerationRecordPatch,
  StopCause,
} from '../generation/generation-record.ts';

/**
 * A message to the node running a generation's producer: stop it, or a reader attached
 * (`change: 1`) or detached (`-1`) somewhere, for abandonment.
 */
export type GenerationControl =
  | { type: 'stop'; cause: StopCause }
  | { type: 'reader'; change: 1 | -1 };

export type GenerationStoreEvent =
  | { type: 'control'; id: string; control: GenerationControl }
  | { type: 'updated'; record: GenerationRecord };

export interface UpdateOptions {
  /** Apply only while the record has this status (compare-and-set). */
  ifStatus?: GenerationStatus;
  /**
   * Apply only while the record's `producerEpoch` is this one: a producer whose generation
   * another node took over cannot change it any more.
   */
  ifProducerEpoch?: number;
}

export interface ListOptions {
  sessionId?: string;
  endUserId?: string;
}

export class GenerationExistsError extends Error {
  override readonly name = 'GenerationExistsError';
}

export interface GenerationStore {
  readonly specificationVersion: 'sluice-generation-store-v1';
  /** Stores a new record; rejects with `GenerationExistsError` when the id is taken. */
  create(record: GenerationRecord): Promise<void>;
  /** A copy of the record, or undefined when unknown (or expired). */
  get(id: string): Promise<GenerationRecord | undefined>;
  /**
   * Applies `patch` and returns the updated record; undefined when the record is unknown or
   * (with `ifStatus`) its status differs — nothing changed then.
   */
  update(
    id: string,
    patch: GenerationRecordPatch,
    options?: UpdateOptions,
  ): Promise<GenerationRecord | undefined>;
  /**
   * Keeps the request a generation started with (serialised by the caller), beside its
   * record and as long, so another node can continue the generation if its producer is
   * lost. Only clusters that continue lost generations keep requests.
   */
  keepRequest(id: string, request: string): Promise<void>;
  /** The request kept for a generation, or undefined. */
  keptRequest(id: string): Promise<string | undefined>;
  /** Records of a session or of an end user, oldest first. */
  list(options: ListOptions): Promise<GenerationRecord[]>;
  /** Forgets a record (and its kept request). */
  delete(id: string): Promise<boolean>;
  /** Sends a control message to every subscriber (the producer's node acts on it). */
  control(id: string, control: GenerationControl): Promise<void>;
  /** Every control message and record update, on every node; returns the unsubscribe. */
  subscribe(listener: (event: GenerationStoreEvent) => void): () => void;
  dispose(): Promise<void>;
}
