/** Starts `node-relay.ts` (the Node.js floor) as a child process and waits until it listens. */
import { fileURLToPath } from 'node:url';
import { forkBenchModule, nextMessage, stopChild } from './child-processes.ts';
import type { RunningProcess } from './running-process.ts';

const NODE_RELAY_MODULE = fileURLToPath(new URL('./node-relay.ts', import.meta.url));

export async function startNodeRelayProcess(
  upstreamOrigin: string,
): Promise<RunningProcess & { apiKey: undefined }> {
  const child = forkBenchModule(NODE_RELAY_MODULE, ['--upstream', upstreamOrigin]);
  const { port } = await nextMessage(child, 'ready', 15_000);
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    apiKey: undefined,
    stop: () => stopChild(child),
  };
}
