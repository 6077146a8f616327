/**
 * `sluice serve`: load the config, start the gateway, and shut down cleanly on SIGTERM
 * or SIGINT (running generations end `interrupted`, their logs stay readable until exit).
 * With `--workers N` (N > 1, or `auto`) the same command runs as a `node:cluster` primary
 * and N workers sharing the port (`worker-primary.ts`, `worker-process.ts`).
 */
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { buildServedGateway } from './served-gateway.ts';
import { parseWorkerCount, WORKER_SLOT_ENV, workersRefusal } from './worker-count.ts';

const USAGE = 'Usage: sluice serve [--port N] [--host H] [--config FILE] [--workers N|auto]';

export async function runServe(argv: string[]): Promise<number> {
  let values: {
    port?: string | undefined;
    host?: string | undefined;
    config?: string | undefined;
    workers?: string | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        workers: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const workers = parseWorkerCount(values.workers);
  if ('error' in workers) {
    process.stderr.write(`${workers.error}\n${USAGE}\n`);
    return 2;
  }
  const overrides: Record<string, unknown> = {};
  if (values.port !== undefined) overrides.port = values.port;
  if (values.host !== undefined) overrides.host = values.host;
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig({
      ...(values.config === undefined ? {} : { file: values.config }),
      overrides,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  if (cluster.isWorker && process.env[WORKER_SLOT_ENV] !== undefined) {
    return (await import('./worker-process.ts')).runWorker(config);
  }
  if (workers.count > 1 || workers.auto) {
    const refusal = workersRefusal(config, values.workers ?? '1');
    if (refusal !== undefined) {
      process.stderr.write(`${refusal}\n`);
      return 2;
    }
  }
  if (workers.count > 1) {
    return (await import('./worker-primary.ts')).runPrimary(config, workers.count);
  }

  const gateway = await buildServedGateway(config, { service: 'sluice' });
  if (typeof gateway === 'number') return gateway;
  const address = await gateway.app.listen({ port: config.port, host: config.host });
  gateway.app.log.info(
    { address, models: gateway.context.models.list().map((m) => m.name) },
    'sluice listening',
  );

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      gateway.app.log.info({ signal, drainTimeoutMs: config.http.drainTimeoutMs }, 'draining');
      gateway.drain(config.http.drainTimeoutMs).then(resolve, resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
