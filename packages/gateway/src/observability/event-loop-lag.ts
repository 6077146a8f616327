/**
 * Event-loop lag as a gauge: p50, p99 and max of the loop delay since the previous
 * scrape, from `perf_hooks.monitorEventLoopDelay` (sampled by libuv, so it costs
 * nothing on the request path). A lagging loop is the first sign that per-token work
 * grew, so it sits next to the streaming metrics rather than only in process metrics.
 */
import { type ELDHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

const NANOSECONDS_PER_SECOND = 1e9;

export class EventLoopLag {
  readonly #histogram: ELDHistogram;

  constructor(registry: Registry, resolutionMs = 20) {
    const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    histogram.enable();
    this.#histogram = histogram;
    new Gauge({
      name: 'sluice_event_loop_lag_seconds',
      help: 'Event-loop delay since the previous scrape (quantile 0.5, 0.99, or max).',
      labelNames: ['quantile'] as const,
      registers: [registry],
      // Across `--workers` processes the most lagging loop is the one to see, not a sum.
      aggregator: 'max',
      collect() {
        // Before the first sample the histogram reports its sentinel values; say 0.
        if (histogram.count === 0) {
          this.set({ quantile: '0.5' }, 0);
          this.set({ quantile: '0.99' }, 0);
          this.set({ quantile: 'max' }, 0);
          return;
        }
        this.set({ quantile: '0.5' }, histogram.percentile(50) / NANOSECONDS_PER_SECOND);
        this.set({ quantile: '0.99' }, histogram.percentile(99) / NANOSECONDS_PER_SECOND);
        this.set({ quantile: 'max' }, histogram.max / NANOSECONDS_PER_SECOND);
        histogram.reset();
      },
    });
  }

  stop(): void {
    this.#histogram.disable();
  }
}
