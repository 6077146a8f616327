/**
 * The primary of `sluice serve --workers N`: checks that the config can be served (the
 * same checks and errors as one process, backends included) before it forks, then runs N
 * `node:cluster` workers sharing the port, replaces one that dies (with a backoff, and
 * gives up when they keep failing to start), answers `/metrics` for the group, and on
 * SIGTERM or SIGINT has every worker drain before it exits.
 */

import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { SluiceConfig } from '../config/config-schema.ts';
import { ClusterMetricsAggregator } from '../observability/cluster-metrics.ts';
import { gatewayLoggerOptions } from '../observability/logging.ts';
import { buildServedGateway } from './served-gateway.ts';
import { WORKER_SLOT_ENV } from './worker-count.ts';
import { isWorkerListening } from './worker-process.ts';

/** Workers that die before they listen, in a row, before the primary gives up. */
export const MAX_START_FAILURES = 5;
/** Past the drain deadline, how long workers get to close before they are killed. */
const STOP_MARGIN_MS = 10_000;
const RESTART_BASE_DELAY_MS = 100;
const RESTART_MAX_DELAY_MS = 5_000;
/** Crashes this recent make the next restart wait longer. */
const CRASH_WINDOW_MS = 60_000;

interface Slot {
  readonly index: number;
  worker?: Worker | undefined;
  listening: boolean;
  restartTimer?: NodeJS.Timeout | undefined;
}

export async function runPrimary(config: SluiceConfig, count: number): Promise<number> {
  const logger = pino(
    gatewayLoggerOptions({
      level: config.logLevel,
      base: { service: 'sluice', role: 'primary', pid: process.pid },
    }),
  );
  // Fail fast, before any fork: the config, the bind and every backend are checked by
  // building the gateway once (SQLite migrations and key files are made here, once).
  const probe = await buildServedGateway(config, { service: 'sluice', role: 'primary' });
  if (typeof probe === 'number') return probe;
  const models = probe.context.models.list().map((model) => model.name);
  await probe.app.close();

  // Without a configured key each process would hash redacted values with its own random
  // key; the workers share one made here (passed in their environment, never logged).
  const hashKeyEnv = config.governance.redactionHashKeyEnv;
  const workerEnv: Record<string, string> = {};
  if (!process.env[hashKeyEnv]) workerEnv[hashKeyEnv] = randomBytes(32).toString('base64url');

  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({
    index: index + 1,
    listening: false,
  }));
  const slotOf = new Map<number, Slot>();
  const aggregator = new ClusterMetricsAggregator();
  const crashes: number[] = [];
  let startFailures = 0;
  let announced = false;
  let stopping = false;
  let exitCode = 0;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const fork = (slot: Slot) => {
    slot.restartTimer = undefined;
    slot.listening = false;
    const worker = cluster.fork({ ...workerEnv, [WORKER_SLOT_ENV]: String(slot.index) });
    slot.worker = worker;
    slotOf.set(worker.id, slot);
  };

  const live = () => slots.filter((slot) => slot.worker !== undefined);

  const stopAll = (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const slot of slots) clearTimeout(slot.restartTimer);
    const running = live();
    logger.info(
      { signal: reason, workers: running.length, drainTimeoutMs: config.http.drainTimeoutMs },
      'draining',
    );
    if (running.length === 0) {
      finish(exitCode);
      return;
    }
    for (const slot of running) slot.worker?.process.kill('SIGTERM');
    setTimeout(() => {
      for (const slot of live()) {
        logger.error(
          { worker: slot.index, workerPid: slot.worker?.process.pid },
          'worker did not stop in time; killed',
        );
        slot.worker?.process.kill('SIGKILL');
      }
      exitCode = 1;
    }, config.http.drainTimeoutMs + STOP_MARGIN_MS).unref();
  };

  cluster.on('message', (worker, message: unknown) => {
    const slot = slotOf.get(worker.id);
    if (slot === undefined) return;
    if (aggregator.workerMessage(worker.id, message)) return;
    if (aggregator.isRequest(message)) {
      const scraped = slots
        .filter((candidate) => candidate.listening && candidate.worker?.isConnected())
        .map((candidate) => {
          const target = candidate.worker as Worker;
          return {
            id: target.id,
            send: (collect: unknown) =>
              // A worker gone meanwhile is dropped from the scrape by its exit event.
              target.send(collect as object, undefined, () => {}),
          };
        });
      const answer = (reply: object) =>
        // The asking worker may be gone by now; then nobody waits for the answer.
        worker.send(reply, undefined, () => {});
      aggregator.render(scraped).then(
        (body) => answer({ type: 'sluice:metrics-response', requestId: message.requestId, body }),
        (error: unknown) =>
          answer({
            type: 'sluice:metrics-response',
            requestId: message.requestId,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    }
    if (!isWorkerListening(message)) return;
    slot.listening = true;
    startFailures = 0;
    const pid = worker.process.pid;
    if (announced) {
      logger.info({ worker: slot.index, workerPid: pid }, 'worker replaced');
      return;
    }
    logger.info({ worker: slot.index, workerPid: pid }, 'worker listening');
    if (slots.every((candidate) => candidate.listening)) {
      announced = true;
      logger.info(
        {
          address: message.address,
          workers: slots.map((candidate) => ({
            worker: candidate.index,
            pid: candidate.worker?.process.pid,
          })),
          models,
        },
        'sluice listening',
      );
    }
  });

  cluster.on('exit', (worker, code, signal) => {
    const slot = slotOf.get(worker.id);
    if (slot === undefined) return;
    slotOf.delete(worker.id);
    aggregator.workerGone(worker.id);
    const wasListening = slot.listening;
    slot.worker = undefined;
    slot.listening = false;
    const fields = { worker: slot.index, workerPid: worker.process.pid, code, signal };
    if (stopping) {
      if (!wasListening) logger.info(fields, 'worker stopped before it listened');
      else if (code === 0) logger.info(fields, 'worker stopped');
      else {
        logger.error(fields, 'worker ended its drain with an error');
        exitCode = 1;
      }
      if (live().length === 0) finish(exitCode);
      return;
    }
    logger.error(fields, 'worker exited unexpectedly');
    if (!wasListening) startFailures += 1;
    if (startFailures >= MAX_START_FAILURES) {
      const message =
        `sluice serve: ${startFailures} workers in a row exited before they listened ` +
        `(the last with ${signal ? `signal ${signal}` : `code ${code}`}); giving up. ` +
        'Their errors are above.';
      logger.fatal({ startFailures }, 'workers keep failing at start; giving up');
      process.stderr.write(`${message}\n`);
      exitCode = 1;
      stopAll('workers-failing');
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while ((crashes[0] ?? now) < now - CRASH_WINDOW_MS) crashes.shift();
    const delayMs = Math.min(
      RESTART_BASE_DELAY_MS * 2 ** (crashes.length - 1),
      RESTART_MAX_DELAY_MS,
    );
    logger.warn({ worker: slot.index, delayMs }, 'restarting worker');
    slot.restartTimer = setTimeout(() => fork(slot), delayMs);
  });

  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));
  for (const slot of slots) fork(slot);
  return finished;
}
