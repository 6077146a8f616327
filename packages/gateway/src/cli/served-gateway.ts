/**
 * What every `sluice serve` process does the same way, one process or many: build the
 * gateway from a loaded config with the JSON logger (a public bind without keys is
 * refused with exit code 1).
 */
import type { SluiceConfig } from '../config/config-schema.ts';
import { UnsafeBindingError } from '../control/tenants/open-mode.ts';
import { buildGateway, type Gateway } from '../http/app.ts';
import { gatewayLoggerOptions } from '../observability/logging.ts';

/** The gateway, or the exit code when the config may not be served as it is. */
export async function buildServedGateway(
  config: SluiceConfig,
  base: Record<string, unknown>,
): Promise<Gateway | number> {
  try {
    return await buildGateway({
      config,
      logger: gatewayLoggerOptions({ level: config.logLevel, base }),
    });
  } catch (error) {
    if (UnsafeBindingError.isInstance(error)) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
