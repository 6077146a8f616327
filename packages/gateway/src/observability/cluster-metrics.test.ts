import { describe, expect, test } from 'vitest';
import { ClusterMetricsAggregator, type MetricsCollectMessage } from './cluster-metrics.ts';
import { GatewayMetrics } from './gateway-metrics.ts';

/** A worker as the primary sees it, answering collects from a real registry. */
function workerOf(id: number, metrics: GatewayMetrics, aggregator: ClusterMetricsAggregator) {
  return {
    id,
    send(message: MetricsCollectMessage) {
      void metrics.registry.getMetricsAsJSON().then((json) =>
        aggregator.workerMessage(id, {
          type: 'sluice:metrics-collected',
          collectId: message.collectId,
          metrics: json,
        }),
      );
    },
  };
}

describe('ClusterMetricsAggregator', () => {
  test('sums counters across workers and keeps the largest event-loop lag', async () => {
    const aggregator = new ClusterMetricsAggregator();
    const first = new GatewayMetrics({ processMetrics: false });
    const second = new GatewayMetrics({ processMetrics: false });
    const labels = { model: 'simulator', provider: 'simulator' };
    first.generationStarted(labels);
    second.generationStarted(labels);
    second.generationStarted(labels);
    const text = await aggregator.render([
      workerOf(1, first, aggregator),
      workerOf(2, second, aggregator),
    ]);
    expect(text).toContain(
      'sluice_generations_started_total{model="simulator",provider="simulator"} 3',
    );
    expect(text.match(/^sluice_event_loop_lag_seconds\{quantile="max"\}/gm)).toHaveLength(1);
    first.close();
    second.close();
  });

  test('a worker that exits during a scrape is left out of it', async () => {
    const aggregator = new ClusterMetricsAggregator();
    const live = new GatewayMetrics({ processMetrics: false });
    live.generationStarted({ model: 'simulator', provider: 'simulator' });
    const silent = { id: 2, send() {} };
    const rendering = aggregator.render([workerOf(1, live, aggregator), silent]);
    aggregator.workerGone(2);
    expect(await rendering).toContain('sluice_generations_started_total');
    live.close();
  });
});
