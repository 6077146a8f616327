/** Starts `fast-upstream.ts` as a child process and waits until it listens. */
import { fileURLToPath } from 'node:url';
import { forkBenchModule, nextMessage, stopChild } from './child-processes.ts';
import type { FastUpstreamSettings } from './fast-upstream.ts';
import type { RunningProcess } from './running-process.ts';

const UPSTREAM_MODULE = fileURLToPath(new URL('./fast-upstream.ts', import.meta.url));

export async function startUpstreamProcess(
  settings: FastUpstreamSettings,
): Promise<RunningProcess> {
  const child = forkBenchModule(UPSTREAM_MODULE, [
    '--ttft-ms',
    String(settings.ttftMs),
    '--token-interval-ms',
    String(settings.tokenIntervalMs),
    '--tokens',
    String(settings.tokens),
  ]);
  const { port } = await nextMessage(child, 'ready', 15_000);
  return {
    origin: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    stop: () => stopChild(child),
  };
}
