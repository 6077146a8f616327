/**
 * `sluice serve`: load the config, start the gateway, and shut down cleanly on SIGTERM
 * or SIGINT (running generations end `interrupted`, their logs stay readable until exit).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load-config.ts';
import { UnsafeBindingError } from '../control/tenants/open-mode.ts';
import { buildGateway } from '../http/app.ts';
import { gatewayLoggerOptions } from '../observability/logging.ts';

export async function runServe(argv: string[]): Promise<number> {
  let values: { port?: string | undefined; host?: string | undefined; config?: string | undefined };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(
      `${(error as Error).message}\nUsage: sluice serve [--port N] [--host H] [--config FILE]\n`,
    );
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

  let gateway: Awaited<ReturnType<typeof buildGateway>>;
  try {
    gateway = await buildGateway({
      config,
      logger: gatewayLoggerOptions({ level: config.logLevel, base: { service: 'sluice' } }),
    });
  } catch (error) {
    if (UnsafeBindingError.isInstance(error)) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
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
