/**
 * Errors of the review queue, each with a marker for `isInstance()` and the HTTP status
 * the API answers with (404 unknown item, 409 already decided, 400 bad cursor).
 */
import type { ReviewItem } from './review-queue.ts';

const REVIEW_ITEM_NOT_FOUND_ERROR = Symbol.for('sluice.governance.review-item-not-found-error');
const REVIEW_ALREADY_DECIDED_ERROR = Symbol.for('sluice.governance.review-already-decided-error');
const INVALID_REVIEW_CURSOR_ERROR = Symbol.for('sluice.governance.invalid-review-cursor-error');

export class ReviewItemNotFoundError extends Error {
  readonly [REVIEW_ITEM_NOT_FOUND_ERROR] = true;
  override readonly name = 'ReviewItemNotFoundError';
  readonly status = 404;
  readonly retryable = false;
  readonly reviewItemId: string;

  constructor(reviewItemId: string) {
    super(`Review item ${reviewItemId} does not exist`);
    this.reviewItemId = reviewItemId;
  }

  static isInstance(value: unknown): value is ReviewItemNotFoundError {
    return typeof value === 'object' && value !== null && REVIEW_ITEM_NOT_FOUND_ERROR in value;
  }
}

export class ReviewAlreadyDecidedError extends Error {
  readonly [REVIEW_ALREADY_DECIDED_ERROR] = true;
  override readonly name = 'ReviewAlreadyDecidedError';
  readonly status = 409;
  readonly retryable = false;
  /** The item as decided, so the API can say by whom and how. */
  readonly item: ReviewItem;

  constructor(item: ReviewItem) {
    super(`Review item ${item.id} was already ${item.status}`);
    this.item = item;
  }

  static isInstance(value: unknown): value is ReviewAlreadyDecidedError {
    return typeof value === 'object' && value !== null && REVIEW_ALREADY_DECIDED_ERROR in value;
  }
}

export class InvalidReviewCursorError extends Error {
  readonly [INVALID_REVIEW_CURSOR_ERROR] = true;
  override readonly name = 'InvalidReviewCursorError';
  readonly status = 400;
  readonly retryable = false;

  constructor() {
    super('The review list cursor is not valid');
  }

  static isInstance(value: unknown): value is InvalidReviewCursorError {
    return typeof value === 'object' && value !== null && INVALID_REVIEW_CURSOR_ERROR in value;
  }
}
