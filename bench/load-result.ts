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
  /** Of those, requests that ended with the stream's terminal frame and all the text. */
  requestsCompleted: number;
  errors: number;
  /** A few error descriptions, to say what failed without flooding the report. */
  errorSamples: string[];
  /** Upstream tokens whose text arrived inside the window, from any request. */
  tokensInWindow: number;
  tokensPerSecond: number;
  timeToFirstTokenMs: Distribution;
  /** Gaps between text deltas as the reader saw them. */
  interTokenMs: Distribution;
  endToEndMs: Distribution;
  /** Text deltas per complete answer: fewer than the upstream's tokens means merging. */
  deltasPerRequest: Distribution;
}
