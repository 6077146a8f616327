/**
 * Starts a real gateway on a loopback port for end-to-end tests.
 */
import { parseConfig } from '../../packages/gateway/src/config/load-config.ts';
import {
  buildGateway,
  type Gateway,
  type GatewayOptions,
} from '../../packages/gateway/src/http/app.ts';

export interface RunningGateway {
  baseUrl: string;
  gateway: Gateway;
  close(): Promise<void>;
}

export async function startGateway(
  options: { config?: Record<string, unknown> } & Omit<Partial<GatewayOptions>, 'config'> = {},
): Promise<RunningGateway> {
  const { config: rawConfig, ...rest } = options;
  const config = parseConfig({ port: 0, dataDir: ':memory:', ...rawConfig });
  const gateway = await buildGateway({ ...rest, config });
  const address = await gateway.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl: address,
    gateway,
    close: () => gateway.app.close(),
  };
}
