/**
 * What one load-client run measured, as sent back to `run.ts`. All times are in
 * milliseconds; distributions are exact (see `stats.ts`).
 */
import type { Distribution } from './stats.ts';

export interface LoadResult {
  concurrency: number;
  /** Length of the measured window (ends early when the request count is reached). */
  measuredSeconds: number;
  /** Requests started inside the measured window. */
  requestsMeasured: number;
  /** Of those, requests that ended with the stream's terminal frame and all the text (or arguments). */
  requestsCompleted: number;
  errors: number;
  /** A few error descriptions, to say what failed without flooding the report. */
  errorSamples: string[];
  /** Upstream tokens (or argument fragments) whose characters arrived inside the window. */
  tokensInWindow: number;
  tokensPerSecond: number;
  timeToFirstTokenMs: Distribution;
  /** Gaps between text (or arguments) deltas as the reader saw them. */
  interTokenMs: Distribution;
  endToEndMs: Distribution;
  /** Deltas per complete answer: fewer than the upstream's tokens means merging. */
  deltasPerRequest: Distribution;
}
