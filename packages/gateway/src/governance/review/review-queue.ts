/**
 * The human review contract. Finals with the verdict `flagged` are enqueued; a reviewer
 * approves or rejects each one exactly once. The decision is audited in the same
 * transaction; appending the `review-decision` event to the generation's stream is the
 * caller's job (the queue knows nothing of streams).
 *
 * The embedded store is SQLite (`sqlite-review-queue.ts`); a PostgreSQL store will
 * implement this interface and pass `review-queue-conformance.ts`.
 */
import type { CheckResult, Verdict } from '@sluice/protocol';
import type { JsonObject } from '../audit/canonical-json.ts';

export const REVIEW_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export type ReviewDecision = Exclude<ReviewStatus, 'pending'>;

export type ReviewItemInput = {
  generationId: string;
  model: string;
  policyVersion: string;
  modelConfigurationVersion?: string;
  verdict: Verdict;
  checks: CheckResult[];
  contentSha256: string;
  tenant?: string;
  sessionId?: string;
  endUserId?: string;
  /** Anything else the reviewer needs to see (no secrets: it is shown in the API). */
  details?: JsonObject;
};

export type ReviewDecisionInput = {
  decision: ReviewDecision;
  reviewer: string;
  note: string;
};

export type ReviewItem = ReviewItemInput & {
  id: string;
  status: ReviewStatus;
  createdAt: string;
  /** Present once decided. */
  decision?: ReviewDecisionInput & { decidedAt: string };
};

export type ReviewListOptions = {
  status?: ReviewStatus;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
};

export type ReviewPage = {
  /** Oldest first: the queue is worked in arrival order. */
  items: ReviewItem[];
  /** Present when more items may follow. */
  nextCursor?: string;
};

export interface ReviewQueue {
  readonly specificationVersion: 'v1';

  /** Adds a generation to the queue; a second enqueue of the same generation returns the first item. */
  enqueue(input: ReviewItemInput): Promise<ReviewItem>;

  /** Throws `InvalidReviewCursorError` for a cursor this queue did not issue. */
  list(options?: ReviewListOptions): Promise<ReviewPage>;

  /** Throws `ReviewItemNotFoundError`. */
  get(id: string): Promise<ReviewItem>;

  getByGeneration(generationId: string): Promise<ReviewItem | undefined>;

  /**
   * Decides a pending item and appends a `review-decided` audit record, atomically.
   * Throws `ReviewItemNotFoundError` (404) or `ReviewAlreadyDecidedError` (409).
   */
  decide(id: string, decision: ReviewDecisionInput): Promise<ReviewItem>;
}
