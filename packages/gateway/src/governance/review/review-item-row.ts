/**
 * The row of a review item (SQLite and PostgreSQL alike), its mapping to `ReviewItem`, and
 * the list cursor both queues use, so a cursor reads the same on either backend.
 */
import type { CheckResult, Verdict } from '@sluice/protocol';
import type { JsonObject } from '../audit/canonical-json.ts';
import { InvalidReviewCursorError } from './review-errors.ts';
import type { ReviewDecision, ReviewItem, ReviewStatus } from './review-queue.ts';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;
const CURSOR_PREFIX = 'r';

/** A page cursor: the arrival position after which the next page starts. */
export function encodeCursor(position: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${position}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const position = Number(text.slice(CURSOR_PREFIX.length));
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(position) || position < 0) {
    throw new InvalidReviewCursorError();
  }
  return position;
}

export type ReviewItemRow = {
  position: number;
  id: string;
  generation_id: string;
  status: string;
  created_at: string;
  tenant: string | null;
  session_id: string | null;
  end_user_id: string | null;
  model: string;
  model_configuration_version: string | null;
  policy_version: string;
  verdict: string;
  checks: string;
  content_sha256: string;
  details: string | null;
  decided_at: string | null;
  reviewer: string | null;
  note: string | null;
};

export const REVIEW_ITEM_COLUMNS =
  'position, id, generation_id, status, created_at, tenant, session_id, end_user_id, model, model_configuration_version, policy_version, verdict, checks, content_sha256, details, decided_at, reviewer, note';

export function reviewItemFromRow(row: ReviewItemRow): ReviewItem {
  const status = row.status as ReviewStatus;
  return {
    id: row.id,
    generationId: row.generation_id,
    status,
    createdAt: row.created_at,
    model: row.model,
    policyVersion: row.policy_version,
    verdict: row.verdict as Verdict,
    checks: JSON.parse(row.checks) as CheckResult[],
    contentSha256: row.content_sha256,
    ...(row.model_configuration_version === null
      ? {}
      : { modelConfigurationVersion: row.model_configuration_version }),
    ...(row.tenant === null ? {} : { tenant: row.tenant }),
    ...(row.session_id === null ? {} : { sessionId: row.session_id }),
    ...(row.end_user_id === null ? {} : { endUserId: row.end_user_id }),
    ...(row.details === null ? {} : { details: JSON.parse(row.details) as JsonObject }),
    ...(status === 'pending' || row.decided_at === null
      ? {}
      : {
          decision: {
            decision: status as ReviewDecision,
            reviewer: row.reviewer ?? '',
            note: row.note ?? '',
            decidedAt: row.decided_at,
          },
        }),
  };
}
