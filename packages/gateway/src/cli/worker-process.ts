/**
 * One worker of `sluice serve --workers N` (a `node:cluster` worker running the same
 * command line as its primary): builds the same gateway as a single process, listens on
 * the shared host and port, tells the primary, and drains on SIGTERM or SIGINT — or when
 * the primary is gone. Its log lines carry its worker slot and pid; its `/metrics`
 * answers for the whole process group (`observability/cluster-metrics.ts`).
 */
import type { SluiceConfig } from '../config/config-schema.ts';
import type { Gateway } from '../http/app.ts';
import { shareWorkerMetrics } from '../observability/cluster-metrics.ts';
import { buildServedGateway } from './served-gateway.ts';
import { WORKER_SLOT_ENV } from './worker-count.ts';

/** Worker → primary: listening, at this address. */
export interface WorkerListeningMessage {
  type: 'sluice:worker-listening';
  address: string;
}

export function isWorkerListening(message: unknown): message is WorkerListeningMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'sluice:worker-listening' &&
    typeof (message as { address?: unknown }).address === 'string'
  );
}

/** How long a drained worker waits for its event loop to empty before it exits anyway. */
const EXIT_GRACE_MS = 2_000;

export async function runWorker(config: SluiceConfig): Promise<number> {
  const worker = Number(process.env[WORKER_SLOT_ENV] ?? 0);
  // Listening for signals first: one that arrives while the gateway is built still
  // drains it (at once), instead of killing the worker half started.
  const stop = new Promise<string>((resolve) => {
    // Later signals are caught too: a second Ctrl-C to the process group must not kill
    // a worker in the middle of its drain; the primary enforces the deadline.
    process.on('SIGTERM', () => resolve('SIGTERM'));
    process.on('SIGINT', () => resolve('SIGINT'));
    // The primary died (or was killed): nothing routes connections here any more.
    process.on('disconnect', () => resolve('primary-gone'));
  });

  let gateway: Gateway;
  try {
    const built = await buildServedGateway(config, { service: 'sluice', worker, pid: process.pid });
    // Open connections would keep a worker that failed to start alive: it exits at once,
    // and the primary counts a start failure.
    if (typeof built === 'number') process.exit(built);
    gateway = built;
    shareWorkerMetrics(gateway.context.observability.metrics, {
      worker,
      channel: {
        send: (message) => {
          if (process.connected) process.send?.(message);
        },
        on: (event, listener) => process.on(event, listener),
      },
    });
    const address = await gateway.app.listen({ port: config.port, host: config.host });
    gateway.app.log.info({ event: 'worker-listening' }, 'worker listening');
    if (process.connected) {
      process.send?.({ type: 'sluice:worker-listening', address } satisfies WorkerListeningMessage);
    }
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }

  const reason = await stop;
  gateway.app.log.info({ signal: reason, drainTimeoutMs: config.http.drainTimeoutMs }, 'draining');
  await gateway.drain(config.http.drainTimeoutMs).catch((error: unknown) => {
    gateway.app.log.error({ err: error }, 'drain failed');
  });
  // The IPC channel would keep the process alive; a handle something forgot to close
  // must not keep a drained worker around either.
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  return 0;
}
