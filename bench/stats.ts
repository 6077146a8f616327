/**
 * Exact order statistics for benchmark samples: the same nearest-rank percentiles and
 * compact sample buffer `sluice bench` reports with, so both tools agree to the sample.
 */
export {
  type Distribution,
  nearestRankPercentile as percentileOfSorted,
  SampleBuffer,
  summarize,
} from '../packages/gateway/src/cli/bench/statistics.ts';
