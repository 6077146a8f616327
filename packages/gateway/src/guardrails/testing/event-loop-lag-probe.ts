/**
 * For regression tests of work that must not stall the event loop: runs some work and
 * reports the longest event-loop delay seen meanwhile, from the same
 * `perf_hooks.monitorEventLoopDelay` the `sluice_event_loop_lag_seconds` metric reads.
 * Synchronous work shows as one long delay, so a test can put a ceiling on it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** The longest event-loop delay, in milliseconds, while `work` ran. */
export async function maxEventLoopLagMs(work: () => unknown): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  try {
    // The sampler measures from its previous sample: let it take one before the work.
    await new Promise((resolve) => setTimeout(resolve, RESOLUTION_MS * 2));
    await work();
    // The sampler records a blocked turn only when its next timer fires.
    await new Promise((resolve) => setTimeout(resolve, RESOLUTION_MS * 3));
  } finally {
    histogram.disable();
  }
  return histogram.count === 0 ? 0 : histogram.max / 1e6;
}
