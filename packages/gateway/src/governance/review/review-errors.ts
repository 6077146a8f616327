/**
 * Errors of the review queue, each with a marker for `isInstance()` and its catalogue code
 * (404 unknown item, 409 already decided, 400 bad cursor).
 */
import { errorGuard, SluiceError } from '../../errors/sluice-error.ts';
import type { ReviewItem } from './review-queue.ts';

export class ReviewItemNotFoundError extends SluiceError {
  static override readonly isInstance =
    errorGuard<ReviewItemNotFoundError>('ReviewItemNotFoundError');
  override readonly name = 'ReviewItemNotFoundError';
  readonly code = 'SLUICE_ERR_REVIEW_NOT_FOUND' as const;
  readonly reviewItemId: string;

  constructor(reviewItemId: string) {
    super(`Review item ${reviewItemId} does not exist`);
    this.reviewItemId = reviewItemId;
  }
}

export class ReviewAlreadyDecidedError extends SluiceError {
  static override readonly isInstance = errorGuard<ReviewAlreadyDecidedError>(
    'ReviewAlreadyDecidedError',
  );
  override readonly name = 'ReviewAlreadyDecidedError';
  readonly code = 'SLUICE_ERR_REVIEW_ALREADY_DECIDED' as const;
  /** The item as decided, so the API can say by whom and how. */
  readonly item: ReviewItem;

  constructor(item: ReviewItem) {
    super(`Review item ${item.id} was already ${item.status}`);
    this.item = item;
  }
}

export class InvalidReviewCursorError extends SluiceError {
  static override readonly isInstance = errorGuard<InvalidReviewCursorError>(
    'InvalidReviewCursorError',
  );
  override readonly name = 'InvalidReviewCursorError';
  readonly code = 'SLUICE_ERR_INVALID_CURSOR' as const;

  constructor() {
    super('The review list cursor is not valid');
  }
}
