/**
 * `/metrics` for `sluice serve --workers N`: whichever worker a scrape lands on answers
 * for the whole process group. The worker asks the primary over IPC; the primary asks
 * every worker that listens for its registry as JSON and merges them with prom-client's
 * cluster aggregation (`AggregatorRegistry.aggregate`: counters and histograms summed,
 * gauges summed unless a metric names another aggregator, e.g. `max`).
 *
 * prom-client's own `clusterMetrics()` is not used as is: it asks every connected worker,
 * including one still starting (or replacing a crashed one) that cannot answer yet, and
 * would then fail the whole scrape after 5 s. Here only workers that reported listening
 * are asked, and one that dies during a scrape is left out of it.
 */
import { AggregatorRegistry, Gauge, type Registry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics.ts';

/** One worker's registry as `getMetricsAsJSON()` gives it: what crosses the IPC channel. */
type RegistryJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Worker → primary: render the group's metrics for me. */
export interface MetricsRequestMessage {
  type: 'sluice:metrics-request';
  requestId: number;
}

/** Primary → worker: the answer to a `MetricsRequestMessage`. */
export interface MetricsResponseMessage {
  type: 'sluice:metrics-response';
  requestId: number;
  body?: string;
  error?: string;
}

/** Primary → worker: send me your registry as JSON. */
export interface MetricsCollectMessage {
  type: 'sluice:metrics-collect';
  collectId: number;
}

/** Worker → primary: one worker's registry as JSON. */
export interface MetricsCollectedMessage {
  type: 'sluice:metrics-collected';
  collectId: number;
  metrics?: RegistryJson;
  error?: string;
}

/** How long a scrape waits for the primary, and the primary for each worker. */
export const CLUSTER_SCRAPE_TIMEOUT_MS = 5_000;

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  );
}

export interface WorkerChannel {
  send(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/**
 * In a worker: answers the primary's collect requests with this worker's registry, adds
 * `sluice_worker_info{worker, pid}` (one series per worker in the aggregate), and makes
 * `metrics.render()` return the group's metrics, fetched from the primary.
 */
export function shareWorkerMetrics(
  metrics: GatewayMetrics,
  options: { worker: number; channel: WorkerChannel },
): void {
  const { channel } = options;
  new Gauge({
    name: 'sluice_worker_info',
    help: 'One series per `sluice serve --workers` process that answered the scrape: its worker slot and pid.',
    labelNames: ['worker', 'pid'] as const,
    registers: [metrics.registry],
  }).set({ worker: String(options.worker), pid: String(process.pid) }, 1);

  let nextRequestId = 0;
  const pending = new Map<number, (response: MetricsResponseMessage) => void>();
  channel.on('message', (message) => {
    if (isMessage<MetricsCollectMessage>(message, 'sluice:metrics-collect')) {
      metrics.registry.getMetricsAsJSON().then(
        (json) =>
          channel.send({
            type: 'sluice:metrics-collected',
            collectId: message.collectId,
            metrics: json,
          } satisfies MetricsCollectedMessage),
        (error: unknown) =>
          channel.send({
            type: 'sluice:metrics-collected',
            collectId: message.collectId,
            error: error instanceof Error ? error.message : String(error),
          } satisfies MetricsCollectedMessage),
      );
    } else if (isMessage<MetricsResponseMessage>(message, 'sluice:metrics-response')) {
      pending.get(message.requestId)?.(message);
    }
  });

  metrics.renderFrom(
    () =>
      new Promise<string>((resolve, reject) => {
        const requestId = nextRequestId++;
        const timer = setTimeout(() => {
          pending.delete(requestId);
          reject(new Error('the primary process did not answer the metrics request in time'));
        }, CLUSTER_SCRAPE_TIMEOUT_MS + 1_000);
        pending.set(requestId, (response) => {
          clearTimeout(timer);
          pending.delete(requestId);
          if (response.body !== undefined) resolve(response.body);
          else reject(new Error(`aggregating worker metrics failed: ${response.error}`));
        });
        channel.send({ type: 'sluice:metrics-request', requestId } satisfies MetricsRequestMessage);
      }),
  );
}

/** A worker as the primary sees it for a scrape. */
export interface ScrapedWorker {
  readonly id: number;
  send(message: MetricsCollectMessage): void;
}

interface Collection {
  waiting: Set<number>;
  results: RegistryJson[];
  finish(error?: Error): void;
}

/**
 * In the primary: gathers the registries of the listening workers and renders them as one.
 * `workerMessage` and `workerGone` must be fed every worker's messages and exits.
 */
export class ClusterMetricsAggregator {
  #nextCollectId = 0;
  readonly #collections = new Map<number, Collection>();

  isRequest(message: unknown): message is MetricsRequestMessage {
    return isMessage<MetricsRequestMessage>(message, 'sluice:metrics-request');
  }

  /** Renders the group's metrics from the workers given (those listening now). */
  render(workers: readonly ScrapedWorker[]): Promise<string> {
    const collectId = this.#nextCollectId++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => collection.finish(new Error('a worker did not send its metrics in time')),
        CLUSTER_SCRAPE_TIMEOUT_MS,
      );
      const collection: Collection = {
        waiting: new Set(workers.map((worker) => worker.id)),
        results: [],
        finish: (error) => {
          clearTimeout(timer);
          this.#collections.delete(collectId);
          if (error !== undefined) {
            reject(error);
            return;
          }
          AggregatorRegistry.aggregate(collection.results).metrics().then(resolve, reject);
        },
      };
      this.#collections.set(collectId, collection);
      for (const worker of workers) worker.send({ type: 'sluice:metrics-collect', collectId });
      if (workers.length === 0) collection.finish();
    });
  }

  /** Feeds one worker's message; returns whether it was a metrics answer. */
  workerMessage(workerId: number, message: unknown): boolean {
    if (!isMessage<MetricsCollectedMessage>(message, 'sluice:metrics-collected')) return false;
    const collection = this.#collections.get(message.collectId);
    if (collection === undefined || !collection.waiting.delete(workerId)) return true;
    if (message.metrics === undefined) {
      collection.finish(new Error(`worker metrics failed: ${message.error}`));
      return true;
    }
    collection.results.push(message.metrics);
    if (collection.waiting.size === 0) collection.finish();
    return true;
  }

  /** A worker exited: its series leave the scrapes it had not answered yet. */
  workerGone(workerId: number): void {
    for (const collection of [...this.#collections.values()]) {
      if (collection.waiting.delete(workerId) && collection.waiting.size === 0) collection.finish();
    }
  }
}
